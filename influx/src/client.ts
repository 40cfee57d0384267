/**
 * A small typed client for the InfluxDB v1 HTTP API: `POST /write` with line protocol and `/query` with
 * InfluxQL. This is the one contract InfluxDB 1.x, 2.x (v1 compatibility, DBRP mapping + token) and 3.x
 * all accept (ARCHITECTURE.md). It keeps connections alive and classifies write failures; it does not
 * batch, buffer or retry: that is the caller's writer, which owns the durable log.
 */
import { gzip as gzipCallback } from 'node:zlib'
import { promisify } from 'node:util'
import { Pool } from 'undici'
import { PulselineError } from '@pulseline/protocol'
import { classifyWriteResponse, networkWriteError } from './write-error.js'

const gzip = promisify(gzipCallback)

export interface InfluxClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8086. */
  url: string
  /** Database (1.x), or the database of a DBRP mapping (2.x), or the database name (3.x). */
  database: string
  /** Retention policy; empty means the database's default. */
  retentionPolicy?: string
  /** 1.x user and password, sent as Basic auth. */
  username?: string
  password?: string
  /** 2.x/3.x token, sent as `Authorization: Token …`; takes precedence over username/password. */
  token?: string
  /**
   * Gzip write bodies of at least this many bytes; 0 turns compression off. Off by default: on a
   * loopback or LAN link the CPU spent compressing costs more than the bytes saved.
   */
  gzipMinBytes?: number
  /** Request timeout (ms). */
  timeoutMs?: number
  /** Keep-alive connections kept open; ARCHITECTURE.md recommends two writes in flight. */
  connections?: number
}

export interface QuerySeries {
  name: string
  tags?: Record<string, string>
  columns: string[]
  values: unknown[][]
}

export interface QueryResult {
  statement_id: number
  series?: QuerySeries[]
  error?: string
}

export type QueryParams = Record<string, string | number | boolean>

export class InfluxClient {
  readonly options: Required<Omit<InfluxClientOptions, 'username' | 'password' | 'token'>> & InfluxClientOptions
  private readonly pool: Pool
  private readonly writePath: string
  private readonly authHeader: string | undefined

  constructor(options: InfluxClientOptions) {
    this.options = { retentionPolicy: '', gzipMinBytes: 0, timeoutMs: 30_000, connections: 4, ...options }
    const origin = new URL(this.options.url)
    this.pool = new Pool(origin.origin, {
      connections: this.options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
    })
    const params = new URLSearchParams({ db: this.options.database, precision: 'ms' })
    if (this.options.retentionPolicy) params.set('rp', this.options.retentionPolicy)
    this.writePath = `${origin.pathname.replace(/\/$/, '')}/write?${params}`
    if (options.token) this.authHeader = `Token ${options.token}`
    else if (options.username !== undefined) {
      this.authHeader = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`
    }
  }

  /**
   * Writes a line-protocol body (timestamps in ms). Resolves when the server answered 204; rejects with
   * an InfluxWriteError whose `kind` says whether to drop, split or retry.
   */
  async write(body: Buffer | string): Promise<void> {
    let payload = typeof body === 'string' ? Buffer.from(body) : body
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }
    if (this.authHeader) headers.authorization = this.authHeader
    if (this.options.gzipMinBytes > 0 && payload.length >= this.options.gzipMinBytes) {
      payload = await gzip(payload)
      headers['content-encoding'] = 'gzip'
    }
    let response
    try {
      response = await this.pool.request({ method: 'POST', path: this.writePath, headers, body: payload })
    } catch (err) {
      throw networkWriteError(err)
    }
    if (response.statusCode === 204 || response.statusCode === 200) {
      await response.body.dump()
      return
    }
    const text = await response.body.text().catch(() => '')
    const retryAfter = response.headers['retry-after']
    throw classifyWriteResponse(response.statusCode, text, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)
  }

  /**
   * Runs InfluxQL. User values go in `params` as bound parameters (`$name` in the query), never into
   * the query text. Statements that change data (CREATE, DROP, DELETE) need `method: 'POST'`.
   */
  async query(q: string, params?: QueryParams, method: 'GET' | 'POST' = 'GET'): Promise<QueryResult[]> {
    const search = new URLSearchParams({ db: this.options.database, q, epoch: 'ms' })
    if (params) search.set('params', JSON.stringify(params))
    const headers: Record<string, string> = {}
    if (this.authHeader) headers.authorization = this.authHeader
    const origin = new URL(this.options.url)
    const path = `${origin.pathname.replace(/\/$/, '')}/query`
    let response
    try {
      response =
        method === 'GET'
          ? await this.pool.request({ method, path: `${path}?${search}`, headers })
          : await this.pool.request({
              method,
              path,
              headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
              body: search.toString(),
            })
    } catch (err) {
      throw new PulselineError('PL_INFLUX_UNAVAILABLE', (err as Error).message)
    }
    const text = await response.body.text()
    if (response.statusCode !== 200) throw new PulselineError('PL_INFLUX_QUERY', `HTTP ${response.statusCode}: ${text.slice(0, 500)}`)
    const parsed = JSON.parse(text) as { results?: QueryResult[]; error?: string }
    if (parsed.error) throw new PulselineError('PL_INFLUX_QUERY', parsed.error)
    const results = parsed.results ?? []
    const failed = results.find((r) => r.error)
    if (failed) throw new PulselineError('PL_INFLUX_QUERY', failed.error!)
    return results
  }

  /**
   * A query's rows in chunks of about `chunkSize`, as InfluxDB streams them (`chunked=true`): memory holds
   * one chunk, however large the answer (a member's export of a year of 1 Hz heart rate).
   */
  async *queryChunks(q: string, params: QueryParams | undefined, chunkSize: number): AsyncGenerator<Array<Record<string, unknown>>> {
    const search = new URLSearchParams({ db: this.options.database, q, epoch: 'ms', chunked: 'true', chunk_size: String(chunkSize) })
    if (params) search.set('params', JSON.stringify(params))
    const headers: Record<string, string> = {}
    if (this.authHeader) headers.authorization = this.authHeader
    const path = `${new URL(this.options.url).pathname.replace(/\/$/, '')}/query`
    let response
    try {
      response = await this.pool.request({ method: 'GET', path: `${path}?${search}`, headers })
    } catch (err) {
      throw new PulselineError('PL_INFLUX_UNAVAILABLE', (err as Error).message)
    }
    if (response.statusCode !== 200) throw new PulselineError('PL_INFLUX_QUERY', `HTTP ${response.statusCode}: ${(await response.body.text()).slice(0, 500)}`)
    let pending = ''
    const chunk = (line: string) => {
      const parsed = JSON.parse(line) as { results?: QueryResult[]; error?: string }
      const failed = parsed.error ?? parsed.results?.find((r) => r.error)?.error
      if (failed) throw new PulselineError('PL_INFLUX_QUERY', failed)
      return rowsOf(parsed.results ?? [])
    }
    // Each chunk is one JSON document on a line of its own.
    for await (const data of response.body) {
      pending += (data as Buffer).toString('utf8')
      let newline: number
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline)
        pending = pending.slice(newline + 1)
        if (line.trim()) yield chunk(line)
      }
    }
    if (pending.trim()) yield chunk(pending)
  }

  /**
   * Creates the database if missing (idempotent in every version that has CREATE DATABASE). 'not-permitted' when
   * the user has no admin rights: a write-only user writes into a database its operator made (the InfluxDB
   * image makes INFLUXDB_DB), which is how compose.yaml runs.
   */
  async ensureDatabase(): Promise<'ensured' | 'not-permitted'> {
    const name = this.options.database.replace(/["\\]/g, '\\$&')
    try {
      await this.query(`CREATE DATABASE "${name}"`, undefined, 'POST')
      return 'ensured'
    } catch (err) {
      if (err instanceof PulselineError && err.code === 'PL_INFLUX_QUERY' && err.message.includes('HTTP 403')) return 'not-permitted'
      throw err
    }
  }

  /** True when `/ping` answers 204. */
  async ping(): Promise<boolean> {
    try {
      const res = await this.pool.request({ method: 'GET', path: '/ping' })
      await res.body.dump()
      return res.statusCode === 204
    } catch {
      return false
    }
  }

  async close(): Promise<void> {
    await this.pool.close()
  }
}

/** Rows of the first series of the first statement as objects keyed by column; [] when there are none. */
export function rowsOf(results: QueryResult[]): Array<Record<string, unknown>> {
  const series = results[0]?.series ?? []
  return series.flatMap((s) =>
    (s.values ?? []).map((row) => Object.fromEntries([...s.columns.map((c, i) => [c, row[i]] as const), ...Object.entries(s.tags ?? {})])),
  )
}
