/**
 * A TCP proxy on 127.0.0.1 that a test can pause: while paused, bytes from clients wait in the proxy, so the
 * server (InfluxDB) looks unreachable-but-alive, as under a network partition, without stopping it for
 * everyone else who shares it.
 */
import { createServer, connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export interface PausableProxy {
  url: string
  pause(): void
  resume(): void
  close(): Promise<void>
}

export async function pausableProxy(target: string): Promise<PausableProxy> {
  const { hostname, port } = new URL(target)
  const clients = new Map<Socket, Socket>()
  let paused = false
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname)
    clients.set(client, upstream)
    upstream.pipe(client)
    if (paused) client.pause()
    else client.pipe(upstream)
    const end = () => {
      clients.delete(client)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pause() {
      paused = true
      for (const [c, up] of clients) {
        c.unpipe(up)
        c.pause()
      }
    },
    resume() {
      paused = false
      for (const [c, up] of clients) c.pipe(up)
    },
    async close() {
      for (const c of clients.keys()) c.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
