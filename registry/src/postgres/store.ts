/**
 * What every part of the PostgreSQL registry shares: the pool, the scrypt cost of new hashes, single-statement
 * writes and transactions under the writer lock (see postgres-registry.ts for why one lock), and PostgreSQL's
 * constraint errors in the registry's words. The parts add one kind of record each (people.ts, devices.ts,
 * classes.ts); postgres-registry.ts completes the interface.
 */
import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { ScryptCost } from '../secret-hash.js'
import { RegistryError } from '../registry.js'
import type { Change } from '../types.js'
import type { Row } from '../rows.js'

const WRITER_LOCK = 0x706c_7772 // "plwr"

export type Query = (sql: string, params?: unknown[]) => Promise<Row[]>
export type ChangeWriter = (kind: Change['kind'], subject: string) => Promise<void>

export abstract class PostgresStore {
  protected constructor(
    protected readonly pool: pg.Pool,
    protected readonly cost: ScryptCost | undefined,
  ) {}

  async close(): Promise<void> {
    await this.pool.end()
  }

  protected async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[]
  }

  /** A single-statement write, its constraint errors said in the registry's words. */
  protected async write(sql: string, params: unknown[]): Promise<void> {
    try {
      await this.pool.query(sql, params)
    } catch (err) {
      throw registryError(err)
    }
  }

  /** Runs `body` in a transaction under the writer lock (see the top of this file). */
  protected async transaction<T>(body: (q: Query, change: (kind: Change['kind'], subject: string) => Promise<void>) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    const q: Query = async (sql, params) => (await client.query(sql, params)).rows as Row[]
    const change = async (kind: Change['kind'], subject: string) => void (await q('INSERT INTO changes (kind, subject, at_ms) VALUES ($1, $2, $3)', [kind, subject, Date.now()]))
    let broken = false
    try {
      await client.query('BEGIN')
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK])
      const result = await body(q, change)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true))
      throw registryError(err)
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: the pool must not hand it out again.
      client.release(broken)
    }
  }
}

/** PostgreSQL's constraint errors (SQLSTATE class 23) in the registry's words, as the SQLite registry says them. */
function registryError(err: unknown): unknown {
  if (err instanceof RegistryError) return err
  const e = err as { code?: string; table?: string; detail?: string }
  if (e.code === '23503') return new RegistryError('not_found', 'a gym, user, device or class it names does not exist')
  if (e.code === '23505') {
    const column = /Key \((\w+)/.exec(e.detail ?? '')?.[1]
    return new RegistryError('conflict', column && e.table ? `that ${column} is taken (${e.table})` : 'it exists already')
  }
  if (e.code?.startsWith('23')) return new RegistryError('invalid', 'refused by the registry: a value is out of range or missing')
  return err
}

export function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
