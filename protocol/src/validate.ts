/**
 * Validation of a v1 payload. It returns every reason a payload or a sample fails, not only the first,
 * so a device developer can fix them all at once, and it accepts the valid samples of a batch even when
 * others in it fail: one bad reading must not cost a member the rest of their session.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import { type TSchema } from '@sinclair/typebox'
import { formatError, type ErrorCode } from './errors.js'
import { Envelope, PAYLOAD_VERSION } from './envelope.js'
import { SAMPLE_SCHEMAS, type Sample, type SampleKind } from './samples.js'

export interface Reason {
  code: ErrorCode
  /** JSON pointer to the offending value, relative to the payload. */
  path: string
  message: string
}

export interface RejectedSample {
  index: number
  sample: unknown
  reasons: Reason[]
}

export interface ValidationResult {
  /** Samples that passed every check, in payload order. */
  accepted: Sample[]
  /** Samples that failed, with all their reasons. */
  rejected: RejectedSample[]
  /** Reasons that reject the whole payload (bad JSON, wrong envelope); when set, `accepted` is empty. */
  payloadReasons: Reason[]
}

export interface ValidateOptions {
  /** Current time, ms since epoch; injected so that tests are deterministic. */
  now: number
  /** How far a sample's timestamp may run ahead of `now`, for device clock skew (ms). */
  maxFutureMs: number
  /**
   * How far a sample's timestamp may lie behind `now` (ms); unbounded when absent. A device backdating
   * into a former wearer's history, or writing one point per week since 2000 (one InfluxDB shard each), is refused.
   */
  maxPastMs?: number
  /** Most samples one payload may carry. */
  maxSamples: number
}

export const DEFAULT_VALIDATE_OPTIONS: Omit<ValidateOptions, 'now'> = {
  maxFutureMs: 5 * 60_000,
  maxSamples: 1000,
}

const envelopeCheck = TypeCompiler.Compile(Envelope)
const sampleChecks = Object.fromEntries(
  Object.entries(SAMPLE_SCHEMAS).map(([kind, schema]) => [kind, TypeCompiler.Compile(schema as TSchema)]),
) as Record<SampleKind, TypeCheck<TSchema>>

const RANGE_ERRORS = new Set<ValueErrorType>([
  ValueErrorType.IntegerMaximum,
  ValueErrorType.IntegerMinimum,
  ValueErrorType.NumberMaximum,
  ValueErrorType.NumberMinimum,
  ValueErrorType.ArrayMaxItems,
])

/** Parses and validates a payload. Never throws: every failure becomes a reason. */
export function validatePayload(payload: Buffer | string, options: ValidateOptions): ValidationResult {
  let body: unknown
  try {
    body = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'))
  } catch (err) {
    return payloadFailure('PL_PAYLOAD_NOT_JSON', '', (err as Error).message)
  }
  if (typeof body === 'object' && body !== null && 'v' in body && body.v !== PAYLOAD_VERSION) {
    return payloadFailure('PL_PAYLOAD_VERSION', '/v', JSON.stringify(body.v))
  }
  if (!envelopeCheck.Check(body)) {
    const detail = [...envelopeCheck.Errors(body)].map((e) => `${e.path || '/'} ${e.message}`).join('; ')
    return payloadFailure('PL_PAYLOAD_SHAPE', '', detail)
  }
  const samples = body.samples as unknown[]
  if (samples.length > options.maxSamples) {
    return payloadFailure('PL_BATCH_TOO_LARGE', '/samples', samples.length, options.maxSamples)
  }
  const result: ValidationResult = { accepted: [], rejected: [], payloadReasons: [] }
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]
    const reasons = sampleReasons(sample, SAMPLE_PATHS[i] ?? `/samples/${i}`, options)
    if (reasons.length === 0) result.accepted.push(sample as Sample)
    else result.rejected.push({ index: i, sample, reasons })
  }
  return result
}

/** The JSON pointers of a payload's samples, made once: ingest validates every sample of every message. */
const SAMPLE_PATHS = Array.from({ length: DEFAULT_VALIDATE_OPTIONS.maxSamples }, (_, i) => `/samples/${i}`)
const NO_REASONS: Reason[] = Object.freeze([]) as unknown as Reason[]

/** All reasons one sample fails; empty (a shared, frozen array) when it is valid. */
export function sampleReasons(sample: unknown, path: string, options: ValidateOptions): Reason[] {
  const kind = typeof sample === 'object' && sample !== null ? (sample as { kind?: unknown }).kind : undefined
  const check = typeof kind === 'string' && Object.hasOwn(sampleChecks, kind) ? sampleChecks[kind as SampleKind] : undefined
  if (!check) return [reason('PL_SAMPLE_UNKNOWN_KIND', `${path}/kind`, JSON.stringify(kind ?? null))]
  if (!check.Check(sample)) return [...check.Errors(sample)].map((e) => schemaReason(e, path))
  return semanticReasons(sample as Sample, path, options)
}

/** Rules a JSON schema cannot say plainly: cross-field consistency, "at least one metric", clock skew. */
function semanticReasons(sample: Sample, path: string, options: ValidateOptions): Reason[] {
  let reasons: Reason[] | undefined // made only for a sample that fails
  if (sample.t > options.now + options.maxFutureMs) {
    (reasons ??= []).push(reason('PL_SAMPLE_FUTURE', `${path}/t`, sample.t, options.maxFutureMs))
  }
  if (options.maxPastMs !== undefined && sample.t < options.now - options.maxPastMs) {
    (reasons ??= []).push(reason('PL_SAMPLE_TOO_OLD', `${path}/t`, sample.t, options.maxPastMs))
  }
  switch (sample.kind) {
    case 'steps':
      if (sample.total === undefined && sample.count === undefined) (reasons ??= []).push(reason('PL_SAMPLE_EMPTY', path, 'steps'))
      if ((sample.count === undefined) !== (sample.interval_s === undefined)) {
        (reasons ??= []).push(reason('PL_SAMPLE_INCONSISTENT', path, 'count and interval_s go together'))
      } else if (sample.count !== undefined && sample.interval_s !== undefined && (sample.count / sample.interval_s) * 60 > 300) {
        // 300 steps/min is beyond elite sprint cadence (~250–280): a faster rate is a counter fault.
        (reasons ??= []).push(reason('PL_SAMPLE_OUT_OF_RANGE', `${path}/count`, `${sample.count} steps in ${sample.interval_s} s`))
      }
      break
    case 'equipment':
      if (Object.keys(sample).length <= 3) (reasons ??= []).push(reason('PL_SAMPLE_EMPTY', path, 'equipment'))
      break
    case 'status':
      if (Object.keys(sample).length <= 2) (reasons ??= []).push(reason('PL_SAMPLE_EMPTY', path, 'status'))
      break
    default:
      break
  }
  return reasons ?? NO_REASONS
}

function schemaReason(error: ValueError, path: string): Reason {
  const where = `${path}${error.path}`
  if (RANGE_ERRORS.has(error.type)) return reason('PL_SAMPLE_OUT_OF_RANGE', where, `${where} = ${JSON.stringify(error.value)}: ${error.message}`)
  return reason('PL_SAMPLE_SCHEMA', where, `${where}: ${error.message}`)
}

function reason(code: ErrorCode, path: string, ...args: Array<string | number>): Reason {
  return { code, path, message: formatError(code, args) }
}

function payloadFailure(code: ErrorCode, path: string, ...args: Array<string | number>): ValidationResult {
  return { accepted: [], rejected: [], payloadReasons: [reason(code, path, ...args)] }
}
