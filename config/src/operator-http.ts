/**
 * The small HTTP listener a service without a web framework offers operators: Prometheus text on /metrics
 * and a JSON health body on /healthz. The gateway and analytics use it (ingest and the dashboard have
 * Fastify already). It carries counts and states, never health data.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The parts of a prom-client Registry it needs. */
export interface MetricsText {
  metrics(): Promise<string>
  readonly contentType: string
}

export interface OperatorHttp {
  port: number
  close(): Promise<void>
}

export async function startOperatorHttp(host: string, port: number, metrics: MetricsText, health: () => Record<string, unknown>): Promise<OperatorHttp> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => res.writeHead(500).end(),
      )
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', ...health() }))
    } else res.writeHead(404).end()
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
