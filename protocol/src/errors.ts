/**
 * The one table of error codes for every Pulseline service. Each code is stable once released: retire a
 * code by leaving it out of use, never by giving it a new meaning. `docs/errors.md` documents every code,
 * and a test fails when one is missing there.
 *
 * `http` is the status a REST route answers with; `connack` is the MQTT 3.1.1 CONNACK return code
 * (§3.2.2.3) where the error refuses a connection.
 */
export const ERROR_CODES = {
  // payloads (dead-lettered with this code as the reason)
  PL_PAYLOAD_NOT_JSON: { message: 'payload is not valid JSON: %s', http: 400 },
  PL_PAYLOAD_SHAPE: { message: 'payload is not a v1 envelope: %s', http: 400 },
  PL_PAYLOAD_VERSION: { message: 'unsupported payload version %s', http: 400 },
  PL_PAYLOAD_TOO_LARGE: { message: 'payload of %s bytes exceeds the limit of %s bytes', http: 413 },
  PL_PACKET_TOO_LARGE: { message: 'MQTT packet of %s bytes exceeds the limit of %s bytes', http: 413 },
  PL_BATCH_TOO_LARGE: { message: 'batch of %s samples exceeds the limit of %s', http: 413 },
  // samples
  PL_SAMPLE_UNKNOWN_KIND: { message: 'unknown sample kind %s', http: 400 },
  PL_SAMPLE_SCHEMA: { message: 'sample does not match its schema: %s', http: 400 },
  PL_SAMPLE_OUT_OF_RANGE: { message: 'value out of range: %s', http: 400 },
  PL_SAMPLE_FUTURE: { message: 'timestamp %s is more than %s ms in the future', http: 400 },
  PL_SAMPLE_EMPTY: { message: 'sample of kind %s carries no measurement', http: 400 },
  PL_SAMPLE_INCONSISTENT: { message: 'inconsistent fields: %s', http: 400 },
  PL_LINE_PROTOCOL: { message: 'value cannot be written as line protocol: %s', http: 400 },
  PL_SAMPLE_TOO_OLD: { message: 'timestamp %s is more than %s ms in the past', http: 400 },
  PL_SAMPLE_ERASED: { message: 'sample of device %s at %s belongs to an erased member', http: 410 },
  // broker access
  PL_AUTH_FAILED: { message: 'bad username or password', http: 401, connack: 4 },
  // Same CONNACK as a wrong secret, so the broker does not reveal which ids exist.
  PL_AUTH_UNKNOWN_DEVICE: { message: 'unknown device %s', http: 401, connack: 4 },
  PL_CLIENT_ID_IN_USE: { message: 'client id %s is in use by another identity', http: 409, connack: 2 },
  PL_ACL_PUBLISH: { message: 'identity %s may not publish to %s', http: 403 },
  PL_ACL_SUBSCRIBE: { message: 'identity %s may not subscribe to %s', http: 403 },
  PL_CLIENT_ID_NOT_OWN: { message: 'client id %s does not belong to identity %s', http: 403, connack: 2 },
  PL_SESSION_NOT_OWN: { message: 'the persistent session of client id %s belongs to another identity', http: 403, connack: 2 },
  PL_CONNECT_RATE: { message: 'too many connection attempts from %s', http: 429, connack: 3 },
  PL_QOS_UNSUPPORTED: { message: 'QoS %s is not accepted; publish with QoS 0 or 1', http: 400 },
  PL_RETAIN_REFUSED: { message: 'identity %s may not retain messages on %s', http: 403 },
  // messages between services, and from browsers
  PL_MESSAGE_INVALID: { message: 'a %s message was dropped: %s', http: 400 },
  PL_ORIGIN_REFUSED: { message: 'request from origin %s refused', http: 403 },
  PL_INTERNAL: { message: 'internal error: %s', http: 500 },
  // the durable log
  PL_LOG_CORRUPT: { message: 'log segment %s is corrupt at offset %s; truncated', http: 500 },
  PL_LOG_FULL: { message: 'log is at its limit of %s bytes', http: 503, connack: 3 },
  // InfluxDB writes, classified as Telegraf does (drop / split / retry)
  PL_INFLUX_BAD_REQUEST: { message: 'InfluxDB rejected points: %s', http: 502 },
  PL_INFLUX_TOO_LARGE: { message: 'InfluxDB refused a body of %s bytes as too large', http: 502 },
  PL_INFLUX_THROTTLED: { message: 'InfluxDB asked to retry after %s ms', http: 503 },
  PL_INFLUX_UNAVAILABLE: { message: 'InfluxDB unavailable: %s', http: 503 },
  PL_INFLUX_AUTH: { message: 'InfluxDB refused the credentials (%s)', http: 502 },
  PL_INFLUX_QUERY: { message: 'InfluxQL query failed: %s', http: 502 },
  // configuration
  PL_CONFIG_INVALID: { message: 'invalid option %s: %s', http: 500 },
  // backups and restores (npm run backup / restore)
  PL_BACKUP_FAILED: { message: 'backup of %s failed: %s', http: 500 },
  PL_BACKUP_MANIFEST: { message: 'backup manifest refused: %s', http: 400 },
  PL_BACKUP_PART: { message: 'backup part %s refused: %s', http: 400 },
  PL_BACKUP_KEY: { message: 'backup key refused: %s', http: 400 },
  PL_RESTORE_NOT_EMPTY: { message: 'restore needs an empty installation, but %s', http: 409 },
  // members' files (import and export)
  PL_FILE_FORMAT: { message: '%s: not a file Pulseline can import (%s)', http: 415 },
  PL_FILE_CORRUPT: { message: '%s: %s: %s', http: 422 },
  PL_FILE_TOO_LARGE: { message: '%s: %s bytes exceeds the limit of %s bytes', http: 413 },
  PL_FILE_EMPTY: { message: '%s: no samples to import (%s)', http: 422 },
  PL_FILE_MEMBER: { message: 'no member %s to import for', http: 404 },
  PL_FILE_DEVICE_NOT_OWN: { message: '%s: device %s belongs to another member', http: 403 },
  PL_EXPORT_EMPTY: { message: 'nothing to export: %s', http: 404 },
} as const satisfies Record<string, { message: string; http: number; connack?: number }>

export type ErrorCode = keyof typeof ERROR_CODES

/** An error that carries a code from the table, so callers branch on `code`, never on message text. */
export class PulselineError extends Error {
  readonly code: ErrorCode
  readonly http: number
  readonly connack: number | undefined

  constructor(code: ErrorCode, ...args: Array<string | number>) {
    super(formatError(code, args))
    this.name = 'PulselineError'
    this.code = code
    const entry: { http: number; connack?: number } = ERROR_CODES[code]
    this.http = entry.http
    this.connack = entry.connack
  }
}

/** Fills a code's message template with its arguments, in order. */
export function formatError(code: ErrorCode, args: ReadonlyArray<string | number>): string {
  let i = 0
  return ERROR_CODES[code].message.replace(/%s/g, () => String(args[i++] ?? ''))
}
