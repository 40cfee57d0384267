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
 */
import { createHash, randomBytes, randomInt } from 'node:crypto'
import pg from 'pg'
import { DUMMY_HASH, DUMMY_MACHINE_HASH, hashMachineSecret, hashSecret, newSecret, verifySecret, type ScryptCost } from '../secret-hash.js'
import { RegistryError, type ClassSession, type Registry } from '../registry.js'
import type { Assignment, Change, Device, DeviceKind, Erasure, Gym, MemberProfile, Role, User } from '../types.js'
import { erasureIntervals, profileUpsert, profileValues, toAssignment, toDevice, toErasure, toProfile, toSession, toUser, type Row } from '../rows.js'
import { migratePostgres } from './migrate.js'

const WRITER_LOCK = 0x706c_7772 // "plwr"
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

type Query = (sql: string, params?: unknown[]) => Promise<Row[]>

export class PostgresRegistry implements Registry {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly cost: ScryptCost | undefined,
  ) {}

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

  async createGym(gym: Gym): Promise<void> {
    await this.write('INSERT INTO gyms (id, name, timezone, created_ms) VALUES ($1, $2, $3, $4)', [gym.id, gym.name, gym.timezone, Date.now()])
  }

  async gym(id: string): Promise<Gym | undefined> {
    return (await this.rows('SELECT id, name, timezone FROM gyms WHERE id = $1', [id]))[0] as Gym | undefined
  }

  async gyms(): Promise<Gym[]> {
    return (await this.rows('SELECT id, name, timezone FROM gyms ORDER BY id')) as unknown as Gym[]
  }

  async createUser(user: User, password?: string): Promise<void> {
    const hash = password === undefined ? null : await hashSecret(password, this.cost)
    await this.write('INSERT INTO users (id, gym_id, role, display_name, login, password_hash, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      user.id,
      user.gymId,
      user.role,
      user.displayName,
      user.login,
      hash,
      Date.now(),
    ])
  }

  async user(id: string): Promise<User | undefined> {
    const r = (await this.rows('SELECT * FROM users WHERE id = $1', [id]))[0]
    return r ? toUser(r) : undefined
  }

  async verifyLogin(login: string, password: string): Promise<User | undefined> {
    const r = (await this.rows('SELECT * FROM users WHERE login = $1', [login]))[0]
    const ok = await verifySecret(password, (r?.password_hash as string | null) ?? DUMMY_HASH)
    return r && ok ? toUser(r) : undefined
  }

  async changePassword(userId: string, password: string): Promise<void> {
    const hash = await hashSecret(password, this.cost)
    await this.transaction(async (q) => {
      await q('UPDATE users SET password_hash = $1 WHERE id = $2', [hash, userId])
      await q('DELETE FROM user_sessions WHERE user_id = $1', [userId])
    })
  }

  async openUserSession(userId: string, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    const now = Date.now()
    await this.write('INSERT INTO user_sessions (token_hash, user_id, created_ms, expires_ms) VALUES ($1, $2, $3, $4)', [sha256(token), userId, now, now + ttlMs])
    return token
  }

  async sessionUser(token: string): Promise<User | undefined> {
    const r = (await this.rows('SELECT u.* FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_ms > $2', [sha256(token), Date.now()]))[0]
    return r ? toUser(r) : undefined
  }

  async closeUserSession(token: string): Promise<void> {
    await this.rows('DELETE FROM user_sessions WHERE token_hash = $1', [sha256(token)])
  }

  async setMemberProfile(userId: string, p: MemberProfile): Promise<void> {
    await this.transaction(async (q, change) => {
      await q(profileUpsert((n) => `$${n}`), profileValues(userId, p))
      await change('profile', userId)
    })
  }

  async memberProfile(userId: string): Promise<MemberProfile | undefined> {
    const r = (await this.rows('SELECT * FROM member_profiles WHERE user_id = $1', [userId]))[0]
    return r ? toProfile(r) : undefined
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

  async assignmentsOfUser(userId: string): Promise<Assignment[]> {
    return (await this.rows('SELECT * FROM assignments WHERE user_id = $1 ORDER BY from_ms', [userId])).map(toAssignment)
  }

  async devicesOwnedBy(userId: string): Promise<Device[]> {
    return (await this.rows('SELECT * FROM devices WHERE owner_user_id = $1 ORDER BY id', [userId])).map(toDevice)
  }

  async createDevice(d: Device): Promise<void> {
    if (d.pool && d.ownerUserId) throw new RegistryError('invalid', `device ${d.id} cannot be both owned and in the pool`)
    await this.transaction(async (q, change) => {
      if (d.ownerUserId) {
        const owner = (await q('SELECT gym_id FROM users WHERE id = $1', [d.ownerUserId]))[0]
        if (!owner || owner.gym_id !== d.gymId) throw new RegistryError('invalid', `owner ${d.ownerUserId} is not of gym ${d.gymId}`)
      }
      await q('INSERT INTO devices (id, gym_id, kind, address, serial, owner_user_id, pool, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        d.id,
        d.gymId,
        d.kind,
        d.address,
        d.serial,
        d.ownerUserId,
        d.pool ? 1 : 0,
        Date.now(),
      ])
      await change('device', d.id)
    })
  }

  async device(id: string): Promise<Device | undefined> {
    const r = (await this.rows('SELECT * FROM devices WHERE id = $1', [id]))[0]
    return r ? toDevice(r) : undefined
  }

  async devicesOfGym(gymId: string): Promise<Device[]> {
    return (await this.rows('SELECT * FROM devices WHERE gym_id = $1 ORDER BY id', [gymId])).map(toDevice)
  }

  async createPairingCode(deviceId: string, ttlMs: number): Promise<string> {
    const device = await this.device(deviceId)
    if (!device) throw new RegistryError('not_found', `no device ${deviceId}`)
    if (device.ownerUserId) throw new RegistryError('conflict', `device ${deviceId} is owned already`)
    // 8 symbols from an alphabet without look-alikes (no 0/O, 1/I/L): 31^8 ≈ 8.5e11 codes.
    const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
    const code = Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join('') // randomInt: no modulo bias
    await this.write('INSERT INTO pairing_codes (code_hash, device_id, expires_ms) VALUES ($1, $2, $3)', [sha256(code), deviceId, Date.now() + ttlMs])
    return code
  }

  async deviceByAddress(gymId: string, address: string): Promise<Device | undefined> {
    const r = (await this.rows('SELECT * FROM devices WHERE gym_id = $1 AND upper(address) = upper($2)', [gymId, address]))[0]
    return r && toDevice(r)
  }

  async requestClaim(gymId: string, address: string, kind: DeviceKind, userId: string): Promise<{ device: Device; status: 'pending' | 'mine' } | undefined> {
    return this.transaction(async (q, change) => {
      const user = (await q('SELECT gym_id FROM users WHERE id = $1', [userId]))[0]
      if (!user || user.gym_id !== gymId) return undefined
      let row = (await q('SELECT * FROM devices WHERE gym_id = $1 AND upper(address) = upper($2)', [gymId, address]))[0]
      if (row && row.owner_user_id === userId) return { device: toDevice(row), status: 'mine' as const }
      if (row && (row.owner_user_id !== null || row.pool === 1)) return undefined
      if (!row) {
        // As in the SQLite registry: the id derives from the address; taken by another gym, a random suffix.
        const derived = `ble-${address.replace(/:/g, '').toUpperCase()}`
        const id = (await q('SELECT 1 FROM devices WHERE id = $1', [derived])).length > 0 ? `${derived}-${randomBytes(4).toString('hex')}` : derived
        await q('INSERT INTO devices (id, gym_id, kind, address, serial, owner_user_id, pool, created_ms) VALUES ($1, $2, $3, $4, NULL, NULL, 0, $5)', [id, gymId, kind, address.toUpperCase(), Date.now()])
        await change('device', id)
        row = (await q('SELECT * FROM devices WHERE id = $1', [id]))[0]!
      }
      const waiting = (await q('SELECT user_id FROM claim_requests WHERE device_id = $1', [row.id]))[0]
      if (waiting && waiting.user_id !== userId) return undefined
      await q('INSERT INTO claim_requests (device_id, user_id, requested_ms) VALUES ($1, $2, $3) ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, requested_ms = excluded.requested_ms', [
        row.id,
        userId,
        Date.now(),
      ])
      return { device: toDevice(row), status: 'pending' as const }
    })
  }

  async claimRequests(gymId: string): Promise<Array<{ deviceId: string; userId: string; requestedMs: number; address: string | null }>> {
    return (await this.rows(
      'SELECT c.device_id AS "deviceId", c.user_id AS "userId", c.requested_ms AS "requestedMs", d.address AS address FROM claim_requests c JOIN devices d ON d.id = c.device_id WHERE d.gym_id = $1 ORDER BY c.requested_ms',
      [gymId],
    )) as unknown as Array<{ deviceId: string; userId: string; requestedMs: number; address: string | null }>
  }

  async approveClaim(deviceId: string): Promise<Device | undefined> {
    return this.transaction(async (q, change) => {
      const claim = (await q('SELECT user_id FROM claim_requests WHERE device_id = $1', [deviceId]))[0]
      const row = (await q('SELECT * FROM devices WHERE id = $1', [deviceId]))[0]
      if (!claim || !row || row.owner_user_id !== null || row.pool === 1) return undefined
      await q('UPDATE devices SET owner_user_id = $1 WHERE id = $2', [claim.user_id, deviceId])
      await q('DELETE FROM claim_requests WHERE device_id = $1', [deviceId])
      await change('device', deviceId)
      return toDevice({ ...row, owner_user_id: claim.user_id })
    })
  }

  async rejectClaim(deviceId: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM claim_requests WHERE device_id = $1', [deviceId])).rowCount! > 0
  }

  async redeemPairingCode(code: string, userId: string): Promise<Device | undefined> {
    return this.transaction(async (q, change) => {
      const row = (await q('SELECT device_id, expires_ms FROM pairing_codes WHERE code_hash = $1', [sha256(code.trim().toUpperCase())]))[0]
      if (!row || (row.expires_ms as number) <= Date.now()) return undefined
      const user = (await q('SELECT gym_id FROM users WHERE id = $1', [userId]))[0]
      const device = (await q('SELECT * FROM devices WHERE id = $1', [row.device_id]))[0]
      if (!user || !device || device.gym_id !== user.gym_id || device.owner_user_id !== null) return undefined
      await q('UPDATE devices SET owner_user_id = $1, pool = 0 WHERE id = $2', [userId, row.device_id])
      await q('DELETE FROM pairing_codes WHERE device_id = $1', [row.device_id])
      await change('device', row.device_id as string)
      return toDevice({ ...device, owner_user_id: userId, pool: 0 })
    })
  }

  async issueCredential(deviceId: string): Promise<string> {
    if (!(await this.device(deviceId))) throw new RegistryError('not_found', `no device ${deviceId}`)
    const secret = newSecret()
    const hash = hashMachineSecret(secret)
    const now = Date.now()
    await this.transaction(async (q, change) => {
      await q('UPDATE device_credentials SET revoked_ms = $1 WHERE device_id = $2 AND revoked_ms IS NULL', [now, deviceId])
      await q('INSERT INTO device_credentials (device_id, secret_hash, created_ms) VALUES ($1, $2, $3)', [deviceId, hash, now])
      await change('credential', deviceId)
    })
    return secret
  }

  async revokeCredentials(deviceId: string): Promise<number> {
    return this.transaction(async (q, change) => {
      const revoked = await q('UPDATE device_credentials SET revoked_ms = $1 WHERE device_id = $2 AND revoked_ms IS NULL RETURNING id', [Date.now(), deviceId])
      await change('credential', deviceId)
      return revoked.length
    })
  }

  async verifyDevice(deviceId: string, secret: string | Buffer): Promise<Device | undefined> {
    const hashes = (await this.rows('SELECT secret_hash FROM device_credentials WHERE device_id = $1 AND revoked_ms IS NULL', [deviceId])).map((r) => r.secret_hash as string)
    let ok = false
    for (const h of hashes.length > 0 ? hashes : [DUMMY_MACHINE_HASH]) if (await verifySecret(secret, h)) ok = hashes.length > 0
    return ok ? this.device(deviceId) : undefined
  }

  async startSession(s: ClassSession): Promise<void> {
    await this.transaction(async (q, change) => {
      await q('INSERT INTO class_sessions (id, gym_id, coach_user_id, title, started_ms, ended_ms) VALUES ($1, $2, $3, $4, $5, $6)', [s.id, s.gymId, s.coachUserId, s.title, s.startedMs, s.endedMs])
      await change('session', s.id)
    })
  }

  async session(id: string): Promise<ClassSession | undefined> {
    const r = (await this.rows('SELECT * FROM class_sessions WHERE id = $1', [id]))[0]
    return r && toSession(r)
  }

  async sessionsOfGym(gymId: string, fromMs: number, toMs = Number.MAX_SAFE_INTEGER): Promise<ClassSession[]> {
    return (await this.rows('SELECT * FROM class_sessions WHERE gym_id = $1 AND started_ms < $2 AND (ended_ms IS NULL OR ended_ms > $3) ORDER BY started_ms', [gymId, toMs, fromMs])).map(toSession)
  }

  async usersOfGym(gymId: string, role?: Role): Promise<User[]> {
    // SQLite's COLLATE NOCASE folds ASCII only; lower() under the C.UTF-8 collation likewise sorts by code point.
    const order = 'ORDER BY lower(display_name), display_name'
    const rows = role
      ? await this.rows(`SELECT * FROM users WHERE gym_id = $1 AND role = $2 ${order}`, [gymId, role])
      : await this.rows(`SELECT * FROM users WHERE gym_id = $1 ${order}`, [gymId])
    return rows.map(toUser)
  }

  async endSession(id: string, atMs: number): Promise<void> {
    await this.transaction(async (q, change) => {
      await q('UPDATE class_sessions SET ended_ms = $1 WHERE id = $2', [atMs, id])
      // A session's open assignments end with it.
      const open = (await q('SELECT device_id FROM assignments WHERE session_id = $1 AND to_ms IS NULL', [id])) as Array<{ device_id: string }>
      await q('UPDATE assignments SET to_ms = $1 WHERE session_id = $2 AND to_ms IS NULL AND from_ms < $1', [atMs, id])
      for (const o of open) await change('assignment', o.device_id)
      await change('session', id)
    })
  }

  async assign(deviceId: string, userId: string, fromMs: number, sessionId?: string): Promise<void> {
    await this.transaction(async (q, change) => {
      const open = (await q('SELECT id, from_ms FROM assignments WHERE device_id = $1 AND to_ms IS NULL', [deviceId]))[0] as { id: number; from_ms: number } | undefined
      if (open && open.from_ms >= fromMs) throw new RegistryError('conflict', `device ${deviceId} has an assignment from ${open.from_ms}, not before ${fromMs}`)
      const overlap = (await q('SELECT count(*)::int AS n FROM assignments WHERE device_id = $1 AND to_ms IS NOT NULL AND to_ms > $2', [deviceId, fromMs]))[0] as { n: number }
      if (overlap.n > 0) throw new RegistryError('conflict', `device ${deviceId} is assigned after ${fromMs} already`)
      if (open) await q('UPDATE assignments SET to_ms = $1 WHERE id = $2', [fromMs, open.id])
      await q('INSERT INTO assignments (device_id, user_id, session_id, from_ms) VALUES ($1, $2, $3, $4)', [deviceId, userId, sessionId ?? null, fromMs])
      await change('assignment', deviceId)
    })
  }

  async unassign(deviceId: string, atMs: number): Promise<void> {
    await this.transaction(async (q, change) => {
      await q('UPDATE assignments SET to_ms = $1 WHERE device_id = $2 AND to_ms IS NULL AND from_ms < $1', [atMs, deviceId])
      await change('assignment', deviceId)
    })
  }

  async assignments(deviceId: string): Promise<Assignment[]> {
    return (await this.rows('SELECT * FROM assignments WHERE device_id = $1 ORDER BY from_ms', [deviceId])).map(toAssignment)
  }

  async changesSince(seq: number): Promise<Change[]> {
    return (await this.rows('SELECT * FROM changes WHERE seq > $1 ORDER BY seq', [seq])).map((r) => ({
      seq: r.seq as number,
      kind: r.kind as Change['kind'],
      subject: r.subject as string,
      atMs: r.at_ms as number,
    }))
  }

  async audit(actor: string, action: string, subject: string): Promise<void> {
    await this.write('INSERT INTO audit_log (at_ms, actor, action, subject) VALUES ($1, $2, $3, $4)', [Date.now(), actor, action, subject])
  }

  async auditAbout(subject: string): Promise<Array<{ atMs: number; actor: string; action: string }>> {
    return (await this.rows('SELECT at_ms AS "atMs", actor, action FROM audit_log WHERE subject = $1 ORDER BY at_ms, id', [subject])) as unknown as Array<{ atMs: number; actor: string; action: string }>
  }

  async close(): Promise<void> {
    await this.pool.end()
  }

  private async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[]
  }

  /** A single-statement write, its constraint errors said in the registry's words. */
  private async write(sql: string, params: unknown[]): Promise<void> {
    try {
      await this.pool.query(sql, params)
    } catch (err) {
      throw registryError(err)
    }
  }

  /** Runs `body` in a transaction under the writer lock (see the top of this file). */
  private async transaction<T>(body: (q: Query, change: (kind: Change['kind'], subject: string) => Promise<void>) => Promise<T>): Promise<T> {
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

async function deleteUserRows(q: Query, change: (kind: Change['kind'], subject: string) => Promise<void>, id: string): Promise<void> {
  const owned = (await q('SELECT id FROM devices WHERE owner_user_id = $1', [id])) as Array<{ id: string }>
  const worn = (await q('SELECT DISTINCT device_id FROM assignments WHERE user_id = $1', [id])) as Array<{ device_id: string }>
  // Owned devices go with their owner (their data is the owner's); pool devices stay with the gym.
  await q('DELETE FROM devices WHERE owner_user_id = $1', [id])
  await q('DELETE FROM users WHERE id = $1', [id])
  for (const d of owned) await change('device', d.id)
  for (const d of worn) await change('assignment', d.device_id)
  await change('user', id)
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

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
