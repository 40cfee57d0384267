/**
 * ingest's HTTP side, for operators (it binds to 127.0.0.1 by default): Prometheus metrics, a health check,
 * and the dead letters. /healthz answers 200 while ingest accepts data, even with InfluxDB down (the log
 * holds the data), and says so in its body; 503 when the log can no longer accept appends.
 * /dead-letters returns the newest letters (`?limit=`, `?reason=`); the refused bytes only with
 * `?payload=1`, since they may hold health values.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { IngestMetrics } from './metrics.js'
import type { DeadLetter, DeadLetterStore } from './dead-letters/dead-letter-store.js'

export interface Health {
  accepting: boolean
  [key: string]: unknown
}

export async function startHttp(
  host: string,
  port: number,
  metrics: IngestMetrics,
  health: () => Health,
  deadLetters?: DeadLetterStore,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.get('/dead-letters', async (request) => {
    const q = request.query as { limit?: string; reason?: string; payload?: string }
    const limit = Math.min(1000, Math.max(1, Number(q.limit ?? 100) || 100))
    const newest: DeadLetter[] = []
    for await (const letter of deadLetters?.letters() ?? []) {
      if (q.reason && letter.reason !== q.reason) continue
      if (q.payload !== '1') delete letter.payload
      newest.push(letter)
      if (newest.length > limit) newest.shift()
    }
    return { letters: newest.reverse(), droppedBytes: deadLetters?.droppedBytes ?? 0 }
  })
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
