/**
 * A connect storm, in its own process so that it does not share an event loop with what it measures:
 * `rate` CONNECTs a second from 127.0.0.1 for `seconds`, each with a username that is not a device's (or
 * a service's name, whose check was the expensive one) and a wrong secret. Each socket is closed once the
 * broker answers or closes it, or after a second. Bounded in count and time; loopback only.
 *
 * Input (argv[2], JSON): { port, rate, seconds, username? }. Output (IPC): { attempts, refusedEarly, answered }.
 */
import { connect } from 'node:net'
import mqttPacket from 'mqtt-packet'

const job = JSON.parse(process.argv[2]!) as { port: number; rate: number; seconds: number; username?: string }
let attempts = 0
let answered = 0
let closedWithoutAnswer = 0
let open = 0
const TICK_MS = 10
const perTick = (job.rate * TICK_MS) / 1000
let owed = 0
const end = Date.now() + job.seconds * 1000

function attempt(i: number): void {
  attempts++
  open++
  const socket = connect(job.port, '127.0.0.1')
  let done = false
  const finish = (gotAnswer: boolean) => {
    if (done) return
    done = true
    open--
    if (gotAnswer) answered++
    else closedWithoutAnswer++
    socket.destroy()
  }
  socket.on('error', () => finish(false))
  socket.on('close', () => finish(false))
  socket.on('data', () => finish(true))
  socket.setTimeout(1000, () => finish(false))
  socket.once('connect', () =>
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: `storm-${i}`, username: job.username ?? `storm-${i}`, password: Buffer.from('wrong') })),
  )
}

const timer = setInterval(() => {
  if (Date.now() >= end) {
    clearInterval(timer)
    const wait = setInterval(() => {
      if (open > 0) return
      clearInterval(wait)
      process.send?.({ attempts, answered, closedWithoutAnswer })
      process.exit(0)
    }, 50)
    return
  }
  owed += perTick
  // Never more than 2,000 sockets in flight: the storm must not exhaust this process's own file descriptors.
  while (owed >= 1 && open < 2000) {
    owed--
    attempt(attempts)
  }
}, TICK_MS)
