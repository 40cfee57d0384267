/**
 * ingest's HTTP side, for operators (it binds to 127.0.0.1 by default): Prometheus metrics, a health check,
 * and the dead letters. /healthz answers 200 while ingest accepts data, even with InfluxDB down (the log
 * holds the data), and says so in its body; 503 when the log can no longer accept appends.
 * /dead-letters returns the newest letters (`?limit=`, `?reason=`); the refused bytes only with
 * `?payload=1` and `deadLetters.servePayloads`, since they may hold health values. It asks for the bearer
 * token `http.token`; without one configured it answers loopback clients only (security review M12).
 * /metrics and /healthz carry counts and states, no health data.
 */
import { timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { isLoopback } from './options.js'
import type { IngestMetrics } from './metrics.js'
import type { DeadLetter, DeadLetterStore } from './dead-letters/dead-letter-store.js'

export interface Health {
  accepting: boolean
  [key: string]: unknown
}

export interface OperatorAccess {
  /** Bearer token for /dead-letters; empty for loopback clients only. */
  token: string
  servePayloads: boolean
}

export async function startHttp(
  host: string,
  port: number,
  metrics: IngestMetrics,
  health: () => Health,
  deadLetters: DeadLetterStore | undefined,
  access: OperatorAccess,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  const expected = Buffer.from(`Bearer ${access.token}`)
  app.get('/dead-letters', async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? '')
    const allowed = access.token ? given.length === expected.length && timingSafeEqual(given, expected) : isLoopback(request.socket.remoteAddress ?? '')
    if (!allowed) return reply.code(401).send({ error: access.token ? 'a bearer token is required' : 'loopback clients only (set http.token)' })
    const q = request.query as { limit?: string; reason?: string; payload?: string }
    if (q.payload === '1' && !access.servePayloads) return reply.code(403).send({ error: 'refused payloads are not served (deadLetters.servePayloads)' })
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
