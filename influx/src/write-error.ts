/**
 * What a failed write means for the caller, classified as Telegraf's InfluxDB output does:
 *
 *   drop   the server refused the points themselves (400, including "partial write"): retrying cannot
 *          help, so the caller records them as dead letters and moves on
 *   split  the body was too large (413): send each half separately
 *   retry  the server or the network is unwell (429, 5xx, 401/403/404, connection errors): send the same
 *          body again after `retryAfterMs` if the server gave one, else after the caller's backoff
 *
 * 401, 403 and 404 are retried rather than dropped: they mean a misconfigured or missing database, and
 * data must wait in the log for an operator to fix that, not be thrown away.
 */
import { PulselineError, type ErrorCode } from '@pulseline/protocol'

export type WriteFailureKind = 'drop' | 'split' | 'retry'

export class InfluxWriteError extends PulselineError {
  readonly kind: WriteFailureKind
  readonly status: number | undefined
  readonly retryAfterMs: number | undefined
  /** Points the server says it dropped, from a 1.x "partial write: ... dropped=N" message. */
  readonly droppedPoints: number | undefined
  readonly retryable: boolean

  constructor(code: ErrorCode, kind: WriteFailureKind, detail: string, extra: { status?: number; retryAfterMs?: number; droppedPoints?: number } = {}) {
    super(code, detail)
    this.name = 'InfluxWriteError'
    this.kind = kind
    this.retryable = kind === 'retry'
    this.status = extra.status
    this.retryAfterMs = extra.retryAfterMs
    this.droppedPoints = extra.droppedPoints
  }
}

/** Classifies a non-2xx write response. `retryAfter` is the raw Retry-After header, if any. */
export function classifyWriteResponse(status: number, body: string, retryAfter: string | undefined, now = Date.now()): InfluxWriteError {
  const detail = `HTTP ${status}: ${extractMessage(body)}`
  if (status === 400) {
    return new InfluxWriteError('PL_INFLUX_BAD_REQUEST', 'drop', detail, { status, droppedPoints: parseDropped(body) })
  }
  if (status === 413) return new InfluxWriteError('PL_INFLUX_TOO_LARGE', 'split', detail, { status })
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(retryAfter, now)
    return new InfluxWriteError('PL_INFLUX_THROTTLED', 'retry', retryAfterMs === undefined ? detail : String(retryAfterMs), { status, retryAfterMs })
  }
  if (status === 401 || status === 403) return new InfluxWriteError('PL_INFLUX_AUTH', 'retry', detail, { status })
  return new InfluxWriteError('PL_INFLUX_UNAVAILABLE', 'retry', detail, { status })
}

/** A transport failure (refused, reset, timed out): always worth retrying. */
export function networkWriteError(err: unknown): InfluxWriteError {
  const e = err as { code?: string; message?: string }
  return new InfluxWriteError('PL_INFLUX_UNAVAILABLE', 'retry', `${e.code ?? 'network'}: ${e.message ?? String(err)}`)
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

function parseDropped(body: string): number | undefined {
  const m = /dropped=(\d+)/.exec(body)
  return m ? Number(m[1]) : undefined
}

function extractMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown }
    if (typeof parsed.error === 'string') return parsed.error
    if (typeof parsed.message === 'string') return parsed.message
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 500)
}
