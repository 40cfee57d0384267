/**
 * What every answer and every request goes through, whoever asks:
 *
 * - Origin: a state-changing request (anything but GET, HEAD, OPTIONS) and a WebSocket upgrade are refused
 *   (PL_ORIGIN_REFUSED, 403) when they carry an Origin other than the dashboard's own or one of
 *   `allowedOrigins`. SameSite=Strict cookies do not stop a page of the same site (Grafana on :3000 of the
 *   same host, a sibling subdomain) from sending them (security review L2). Browsers always send Origin on
 *   these requests; a client that sends none (curl, a script) is not a browser carrying someone's cookie.
 * - Errors: a 5xx answers `{"error":"internal error","code":"PL_INTERNAL"}` and nothing of its cause (an
 *   InfluxDB message, a stack); 4xx answers keep their message, which says what was wrong with the request.
 * - Headers: no framing (frame-ancestors, X-Frame-Options), no MIME sniffing, no referrer, and HSTS when
 *   the dashboard is served over TLS.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ERROR_CODES, type ErrorCode } from '@pulseline/protocol'

export interface HardeningOptions {
  /** Origins (scheme://host:port) besides the dashboard's own that may send state-changing requests. */
  allowedOrigins: readonly string[]
  /** Served over TLS (behind a proxy): send HSTS. */
  tls: boolean
}

export interface HardeningCounters {
  originRefused: number
  internalErrors: number
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Whether a request's Origin, if any, is the dashboard's own (as the Host header names it) or allowed. */
export function originAllowed(request: Pick<FastifyRequest, 'headers'>, allowed: ReadonlySet<string>): boolean {
  const origin = request.headers.origin
  if (origin === undefined) return true
  if (allowed.has(origin)) return true
  try {
    return new URL(origin).host === request.headers.host
  } catch {
    return false // "null" (a sandboxed frame, a file:// page) or garbage
  }
}

export const hardeningPlugin = fp(async (app: FastifyInstance, options: HardeningOptions) => {
  const allowed = new Set(options.allowedOrigins)
  const counters: HardeningCounters = { originRefused: 0, internalErrors: 0 }
  app.decorate('hardening', counters)

  app.addHook('onRequest', async (request, reply) => {
    const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket'
    if ((SAFE_METHODS.has(request.method) && !upgrade) || originAllowed(request, allowed)) return
    counters.originRefused++
    return reply.code(403).send({ error: 'request from another origin refused', code: 'PL_ORIGIN_REFUSED' })
  })

  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-frame-options', 'DENY')
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    if (options.tls) reply.header('strict-transport-security', 'max-age=31536000')
  })

  app.setErrorHandler(async (err, _request, reply) => {
    const error = err as { statusCode?: number; message: string; code?: string }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status < 500) return reply.code(status).send({ error: error.message, code: error.code })
    // A code from the error table (InfluxDB unreachable, a query it refused) answers with its own status and
    // code, and still without its message: the cause is for the operator's log, not the client.
    if (error.code && error.code in ERROR_CODES) {
      const known = error.code as ErrorCode
      return reply.code(ERROR_CODES[known].http).send({ error: ERROR_CODES[known].http >= 500 ? 'a service behind the dashboard is unavailable' : error.message, code: known })
    }
    counters.internalErrors++
    return reply.code(500).send({ error: 'internal error', code: 'PL_INTERNAL' })
  })
})

declare module 'fastify' {
  interface FastifyInstance {
    hardening: HardeningCounters
  }
}
