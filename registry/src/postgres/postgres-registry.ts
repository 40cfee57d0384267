/**
 * The registry on PostgreSQL, for a chain of gyms whose services run on several machines. The same
 * interface, schema and meaning as the SQLite registry (the same test suite runs against both).
 *
 * Every method that writes more than one row, or reads before it writes, runs in a transaction that first
 * takes one advisory lock: writers go one at a time, as SQLite's single writer does. That keeps two things
 * SQLite gives for free: a check-then-write (an assignment's overlap, a claim, a pairing code) cannot race
 * another node's, and the change feed's sequence numbers are committed in order, so a follower that has
 * read up to seq N never misses a change that commits later with a smaller number. Registry writes are
 * rare (admins, coaches, claims); reads (logins, device checks, the change feed) take no lock.
 *
 * Split by kind of record, one file each: people.ts, devices.ts, classes.ts, over store.ts (pool, writes,
 * transactions); here what spans them (deleting and erasing a member), the change feed and the audit log.
 */
import pg from 'pg'
import type { ScryptCost } from '../secret-hash.js'
import { RegistryError, type Registry } from '../registry.js'
import { importSubject, type Change, type Erasure, type ImportedSpan } from '../types.js'
import { erasureIntervals, toErasure } from '../rows.js'
import { migratePostgres } from './migrate.js'
import { PostgresClasses } from './classes.js'
import type { ChangeWriter, Query } from './store.js'

const INT8 = 20

/** BIGINT columns (times in ms, ids, sequence numbers) as numbers: all stay below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
}

export interface PostgresRegistryOptions {
  /** Lowers the scrypt cost of new password hashes: tests only. */
  secretCost?: ScryptCost
  /** Connections to keep open at most (each service holds its own pool). */
  maxConnections?: number
}

export class PostgresRegistry extends PostgresClasses implements Registry {
  private constructor(pool: pg.Pool, cost: ScryptCost | undefined) {
    super(pool, cost)
  }

  /** Connects to `url` (postgres://…) and migrates the database. */
  static async open(url: string, options: PostgresRegistryOptions = {}): Promise<PostgresRegistry> {
    const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 4, types, connectionTimeoutMillis: 10_000 })
    // An idle connection the server drops (restart, failover) is an event on the pool, not a crash.
    pool.on('error', () => undefined)
    try {
      const client = await pool.connect()
      try {
        await migratePostgres(client)
      } finally {
        client.release()
      }
    } catch (err) {
      await pool.end()
      throw err
    }
    return new PostgresRegistry(pool, options.secretCost)
  }

  async deleteUser(id: string): Promise<void> {
    await this.transaction((q, change) => deleteUserRows(q, change, id))
  }

  async eraseUser(id: string, actor: string): Promise<Erasure> {
    const now = Date.now()
    return this.transaction(async (q, change) => {
      const user = (await q('SELECT gym_id FROM users WHERE id = $1', [id]))[0] as { gym_id: string | null } | undefined
      if (!user) throw new RegistryError('not_found', `no user ${id}`)
      const worn = (await q('SELECT device_id, from_ms, to_ms FROM assignments WHERE user_id = $1', [id])) as Array<{ device_id: string; from_ms: number; to_ms: number | null }>
      const owned = (await q('SELECT id FROM devices WHERE owner_user_id = $1', [id])) as Array<{ id: string }>
      const intervals = erasureIntervals(worn, owned, now)
      const row = (await q('INSERT INTO erasures (member_id, gym_id, requested_ms, intervals) VALUES ($1, $2, $3, $4) RETURNING id', [id, user.gym_id, now, JSON.stringify(intervals)]))[0]!
      await deleteUserRows(q, change, id)
      await q('INSERT INTO audit_log (at_ms, actor, action, subject) VALUES ($1, $2, $3, $4)', [now, actor, 'member.erase', id])
      await change('erasure', id)
      return { id: row.id as number, member: id, gymId: user.gym_id, requestedMs: now, intervals, completedMs: null }
    })
  }

  async erasures(sinceMs = 0): Promise<Erasure[]> {
    const rows = await this.rows('SELECT * FROM erasures WHERE completed_ms IS NULL OR completed_ms >= $1 ORDER BY id', [sinceMs])
    return rows.map(toErasure)
  }

  async completeErasure(id: number, atMs: number): Promise<void> {
    await this.transaction(async (q, change) => {
      const r = (await q('SELECT member_id FROM erasures WHERE id = $1', [id]))[0] as { member_id: string } | undefined
      await q('UPDATE erasures SET completed_ms = $1 WHERE id = $2', [atMs, id])
      if (r) {
        await q('INSERT INTO audit_log (at_ms, actor, action, subject) VALUES ($1, $2, $3, $4)', [atMs, 'ingest', 'member.erase.completed', r.member_id])
        await change('erasure', r.member_id)
      }
    })
  }

  async changesSince(seq: number): Promise<Change[]> {
    return (await this.rows('SELECT * FROM changes WHERE seq > $1 ORDER BY seq', [seq])).map((r) => ({
      seq: r.seq as number,
      kind: r.kind as Change['kind'],
      subject: r.subject as string,
      atMs: r.at_ms as number,
    }))
  }

  async recordImport(span: ImportedSpan): Promise<void> {
    await this.transaction((_q, change) => change('import', importSubject(span)))
  }

  async audit(actor: string, action: string, subject: string): Promise<void> {
    await this.write('INSERT INTO audit_log (at_ms, actor, action, subject) VALUES ($1, $2, $3, $4)', [Date.now(), actor, action, subject])
  }

  async auditAbout(subject: string): Promise<Array<{ atMs: number; actor: string; action: string }>> {
    return (await this.rows('SELECT at_ms AS "atMs", actor, action FROM audit_log WHERE subject = $1 ORDER BY at_ms, id', [subject])) as unknown as Array<{ atMs: number; actor: string; action: string }>
  }
}

async function deleteUserRows(q: Query, change: ChangeWriter, id: string): Promise<void> {
  const owned = (await q('SELECT id FROM devices WHERE owner_user_id = $1', [id])) as Array<{ id: string }>
  const worn = (await q('SELECT DISTINCT device_id FROM assignments WHERE user_id = $1', [id])) as Array<{ device_id: string }>
  // Owned devices go with their owner (their data is the owner's); pool devices stay with the gym.
  await q('DELETE FROM devices WHERE owner_user_id = $1', [id])
  await q('DELETE FROM users WHERE id = $1', [id])
  for (const d of owned) await change('device', d.id)
  for (const d of worn) await change('assignment', d.device_id)
  await change('user', id)
}
