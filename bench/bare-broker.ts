/** A bare Aedes 1.x broker on a port, no hooks: the benchmark's broker baseline. argv[2] = port. */
import { createServer } from 'node:net'
import { Aedes } from 'aedes'

const broker = new Aedes()
await broker.listen()
const server = createServer((socket) => {
  socket.setNoDelay(true)
  broker.handle(socket)
})
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.send!({ ready: true }))
// Exit normally on SIGTERM, so that --cpu-prof (BENCH_PROFILE_DIR) writes its profile.
process.once('SIGTERM', () => process.exit(0))
