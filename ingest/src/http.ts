/**
 * ingest's HTTP side: Prometheus metrics and a health check. /healthz answers 200 while ingest accepts
 * data, even with InfluxDB down (the log holds the data), and says so in its body; 503 when the log can
 * no longer accept appends.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { IngestMetrics } from './metrics.js'

export interface Health {
  accepting: boolean
  [key: string]: unknown
}

export async function startHttp(
  host: string,
  port: number,
  metrics: IngestMetrics,
  health: () => Health,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })
  app.get('/healthz', async (_req, reply) => {
    const body = health()
    reply.code(body.accepting ? 200 : 503)
    return { status: body.accepting ? 'ok' : 'failing', ...body }
  })
  await app.listen({ host, port })
  return app
}
