/**
 * The registry on embedded SQLite (better-sqlite3: synchronous, in-process, WAL). Every method is one
 * transaction. Methods are async only to match the Registry interface.
 */
import Database from 'better-sqlite3'
import { createHash, randomBytes, randomInt } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DUMMY_HASH, DUMMY_MACHINE_HASH, hashMachineSecret, hashSecret, newSecret, verifySecret, type ScryptCost } from '../secret-hash.js'
import { RegistryError, type ClassSession, type Registry } from '../registry.js'
import type { Assignment, Change, Device, DeviceKind, Erasure, Gym, MemberProfile, Role, User } from '../types.js'
import { erasureIntervals, profileUpsert, profileValues, toAssignment, toDevice, toErasure, toProfile, toSession, toUser, type Row } from '../rows.js'
import { migrate } from './migrate.js'

export class SqliteRegistry implements Registry {
  private constructor(
    private readonly db: Database.Database,
    private readonly cost: ScryptCost | undefined,
  ) {}

  /**
   * Opens (creating if needed) and migrates the database at `path`; ':memory:' for tests. `secretCost`
   * lowers the scrypt cost of new hashes, for tests only.
   */
  static open(path: string, options: { secretCost?: ScryptCost } = {}): SqliteRegistry {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db)
    return new SqliteRegistry(db, options.secretCost)
  }

  async createGym(gym: Gym): Promise<void> {
    this.run('INSERT INTO gyms (id, name, timezone, created_ms) VALUES (?, ?, ?, ?)', gym.id, gym.name, gym.timezone, Date.now())
  }

  async gym(id: string): Promise<Gym | undefined> {
    const r = this.db.prepare('SELECT id, name, timezone FROM gyms WHERE id = ?').get(id) as Gym | undefined
    return r
  }

  async gyms(): Promise<Gym[]> {
    return this.db.prepare('SELECT id, name, timezone FROM gyms ORDER BY id').all() as Gym[]
  }

  async createUser(user: User, password?: string): Promise<void> {
    const hash = password === undefined ? null : await hashSecret(password, this.cost)
    this.run(
      'INSERT INTO users (id, gym_id, role, display_name, login, password_hash, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
      user.id,
      user.gymId,
      user.role,
      user.displayName,
      user.login,
      hash,
      Date.now(),
    )
  }

  async user(id: string): Promise<User | undefined> {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined
    return r ? toUser(r) : undefined
  }

  async verifyLogin(login: string, password: string): Promise<User | undefined> {
    const r = this.db.prepare('SELECT * FROM users WHERE login = ?').get(login) as Row | undefined
    const ok = await verifySecret(password, (r?.password_hash as string | null) ?? DUMMY_HASH)
    return r && ok ? toUser(r) : undefined
  }

  async changePassword(userId: string, password: string): Promise<void> {
    const hash = await hashSecret(password, this.cost)
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, userId)
      this.db.prepare('DELETE FROM user_sessions WHERE user_id = ?').run(userId)
    })()
  }

  async openUserSession(userId: string, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    const now = Date.now()
    this.db.prepare('INSERT INTO user_sessions (token_hash, user_id, created_ms, expires_ms) VALUES (?, ?, ?, ?)').run(sha256(token), userId, now, now + ttlMs)
    return token
  }

  async sessionUser(token: string): Promise<User | undefined> {
    const r = this.db
      .prepare('SELECT u.* FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_ms > ?')
      .get(sha256(token), Date.now()) as Row | undefined
    return r ? toUser(r) : undefined
  }

  async closeUserSession(token: string): Promise<void> {
    this.db.prepare('DELETE FROM user_sessions WHERE token_hash = ?').run(sha256(token))
  }

  async setMemberProfile(userId: string, p: MemberProfile): Promise<void> {
    this.run(profileUpsert(() => '?'), ...profileValues(userId, p))
    this.change('profile', userId)
  }

  async memberProfile(userId: string): Promise<MemberProfile | undefined> {
    const r = this.db.prepare('SELECT * FROM member_profiles WHERE user_id = ?').get(userId) as Row | undefined
    return r ? toProfile(r) : undefined
  }

  async deleteUser(id: string): Promise<void> {
    this.db.transaction(() => this.deleteUserRows(id))()
  }

  private deleteUserRows(id: string): void {
    {
      const owned = this.db.prepare('SELECT id FROM devices WHERE owner_user_id = ?').all(id) as Array<{ id: string }>
      const worn = this.db.prepare('SELECT DISTINCT device_id FROM assignments WHERE user_id = ?').all(id) as Array<{ device_id: string }>
      // Owned devices go with their owner (their data is the owner's); pool devices stay with the gym.
      this.db.prepare('DELETE FROM devices WHERE owner_user_id = ?').run(id)
      this.db.prepare('DELETE FROM users WHERE id = ?').run(id)
      for (const d of owned) this.change('device', d.id)
      for (const d of worn) this.change('assignment', d.device_id)
      this.change('user', id)
    }
  }

  async eraseUser(id: string, actor: string): Promise<Erasure> {
    const now = Date.now()
    const erasure = this.db.transaction((): Erasure => {
      const user = this.db.prepare('SELECT gym_id FROM users WHERE id = ?').get(id) as { gym_id: string | null } | undefined
      if (!user) throw new RegistryError('not_found', `no user ${id}`)
      const worn = this.db.prepare('SELECT device_id, from_ms, to_ms FROM assignments WHERE user_id = ?').all(id) as Array<{ device_id: string; from_ms: number; to_ms: number | null }>
      const owned = this.db.prepare('SELECT id FROM devices WHERE owner_user_id = ?').all(id) as Array<{ id: string }>
      const intervals = erasureIntervals(worn, owned, now)
      const row = this.db.prepare('INSERT INTO erasures (member_id, gym_id, requested_ms, intervals) VALUES (?, ?, ?, ?)').run(id, user.gym_id, now, JSON.stringify(intervals))
      this.deleteUserRows(id)
      this.db.prepare('INSERT INTO audit_log (at_ms, actor, action, subject) VALUES (?, ?, ?, ?)').run(now, actor, 'member.erase', id)
      this.change('erasure', id)
      return { id: Number(row.lastInsertRowid), member: id, gymId: user.gym_id, requestedMs: now, intervals, completedMs: null }
    })()
    return erasure
  }

  async erasures(sinceMs = 0): Promise<Erasure[]> {
    const rows = this.db.prepare('SELECT * FROM erasures WHERE completed_ms IS NULL OR completed_ms >= ? ORDER BY id').all(sinceMs) as Row[]
    return rows.map(toErasure)
  }

  async completeErasure(id: number, atMs: number): Promise<void> {
    this.db.transaction(() => {
      const r = this.db.prepare('SELECT member_id FROM erasures WHERE id = ?').get(id) as { member_id: string } | undefined
      this.db.prepare('UPDATE erasures SET completed_ms = ? WHERE id = ?').run(atMs, id)
      if (r) {
        this.db.prepare('INSERT INTO audit_log (at_ms, actor, action, subject) VALUES (?, ?, ?, ?)').run(atMs, 'ingest', 'member.erase.completed', r.member_id)
        this.change('erasure', r.member_id)
      }
    })()
  }

  async assignmentsOfUser(userId: string): Promise<Assignment[]> {
    return (this.db.prepare('SELECT * FROM assignments WHERE user_id = ? ORDER BY from_ms').all(userId) as Row[]).map(toAssignment)
  }

  async devicesOwnedBy(userId: string): Promise<Device[]> {
    return (this.db.prepare('SELECT * FROM devices WHERE owner_user_id = ? ORDER BY id').all(userId) as Row[]).map(toDevice)
  }

  async createDevice(d: Device): Promise<void> {
    if (d.pool && d.ownerUserId) throw new RegistryError('invalid', `device ${d.id} cannot be both owned and in the pool`)
    if (d.ownerUserId) {
      const owner = this.db.prepare('SELECT gym_id FROM users WHERE id = ?').get(d.ownerUserId) as { gym_id: string | null } | undefined
      if (!owner || owner.gym_id !== d.gymId) throw new RegistryError('invalid', `owner ${d.ownerUserId} is not of gym ${d.gymId}`)
    }
    this.run(
      'INSERT INTO devices (id, gym_id, kind, address, serial, owner_user_id, pool, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      d.id,
      d.gymId,
      d.kind,
      d.address,
      d.serial,
      d.ownerUserId,
      d.pool ? 1 : 0,
      Date.now(),
    )
    this.change('device', d.id)
  }

  async device(id: string): Promise<Device | undefined> {
    const r = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as Row | undefined
    return r ? toDevice(r) : undefined
  }

  async devicesOfGym(gymId: string): Promise<Device[]> {
    return (this.db.prepare('SELECT * FROM devices WHERE gym_id = ? ORDER BY id').all(gymId) as Row[]).map(toDevice)
  }

  async createPairingCode(deviceId: string, ttlMs: number): Promise<string> {
    const device = await this.device(deviceId)
    if (!device) throw new RegistryError('not_found', `no device ${deviceId}`)
    if (device.ownerUserId) throw new RegistryError('conflict', `device ${deviceId} is owned already`)
    // 8 symbols from an alphabet without look-alikes (no 0/O, 1/I/L): 31^8 ≈ 8.5e11 codes.
    const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
    const code = Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join('') // randomInt: no modulo bias
    this.db.prepare('INSERT INTO pairing_codes (code_hash, device_id, expires_ms) VALUES (?, ?, ?)').run(sha256(code), deviceId, Date.now() + ttlMs)
    return code
  }

  async deviceByAddress(gymId: string, address: string): Promise<Device | undefined> {
    const r = this.db.prepare('SELECT * FROM devices WHERE gym_id = ? AND upper(address) = upper(?)').get(gymId, address) as Row | undefined
    return r && toDevice(r)
  }

  async requestClaim(gymId: string, address: string, kind: DeviceKind, userId: string): Promise<{ device: Device; status: 'pending' | 'mine' } | undefined> {
    return this.db.transaction(() => {
      const user = this.db.prepare('SELECT gym_id FROM users WHERE id = ?').get(userId) as { gym_id: string | null } | undefined
      if (!user || user.gym_id !== gymId) return undefined
      let row = this.db.prepare('SELECT * FROM devices WHERE gym_id = ? AND upper(address) = upper(?)').get(gymId, address) as Row | undefined
      if (row && row.owner_user_id === userId) return { device: toDevice(row), status: 'mine' as const }
      if (row && (row.owner_user_id !== null || row.pool === 1)) return undefined
      if (!row) {
        // A new device's id is derived from its address, which is unique in the gym; ids are global, so one
        // another gym took first (by chance or to squat it, review L4) gets a random suffix instead of a 500.
        const derived = `ble-${address.replace(/:/g, '').toUpperCase()}`
        const id = this.db.prepare('SELECT 1 FROM devices WHERE id = ?').get(derived) ? `${derived}-${randomBytes(4).toString('hex')}` : derived
        this.db.prepare('INSERT INTO devices (id, gym_id, kind, address, serial, owner_user_id, pool, created_ms) VALUES (?, ?, ?, ?, NULL, NULL, 0, ?)').run(id, gymId, kind, address.toUpperCase(), Date.now())
        this.change('device', id)
        row = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as Row
      }
      const waiting = this.db.prepare('SELECT user_id FROM claim_requests WHERE device_id = ?').get(row.id) as { user_id: string } | undefined
      if (waiting && waiting.user_id !== userId) return undefined
      this.db.prepare('INSERT OR REPLACE INTO claim_requests (device_id, user_id, requested_ms) VALUES (?, ?, ?)').run(row.id, userId, Date.now())
      return { device: toDevice(row), status: 'pending' as const }
    })()
  }

  async claimRequests(gymId: string): Promise<Array<{ deviceId: string; userId: string; requestedMs: number; address: string | null }>> {
    return this.db
      .prepare('SELECT c.device_id AS deviceId, c.user_id AS userId, c.requested_ms AS requestedMs, d.address AS address FROM claim_requests c JOIN devices d ON d.id = c.device_id WHERE d.gym_id = ? ORDER BY c.requested_ms')
      .all(gymId) as Array<{ deviceId: string; userId: string; requestedMs: number; address: string | null }>
  }

  async approveClaim(deviceId: string): Promise<Device | undefined> {
    return this.db.transaction(() => {
      const claim = this.db.prepare('SELECT user_id FROM claim_requests WHERE device_id = ?').get(deviceId) as { user_id: string } | undefined
      const row = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(deviceId) as Row | undefined
      if (!claim || !row || row.owner_user_id !== null || row.pool === 1) return undefined
      this.db.prepare('UPDATE devices SET owner_user_id = ? WHERE id = ?').run(claim.user_id, deviceId)
      this.db.prepare('DELETE FROM claim_requests WHERE device_id = ?').run(deviceId)
      this.change('device', deviceId)
      return toDevice({ ...row, owner_user_id: claim.user_id })
    })()
  }

  async rejectClaim(deviceId: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM claim_requests WHERE device_id = ?').run(deviceId).changes > 0
  }

  async redeemPairingCode(code: string, userId: string): Promise<Device | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT device_id, expires_ms FROM pairing_codes WHERE code_hash = ?').get(sha256(code.trim().toUpperCase())) as
        | { device_id: string; expires_ms: number }
        | undefined
      if (!row || row.expires_ms <= Date.now()) return undefined
      const user = this.db.prepare('SELECT gym_id FROM users WHERE id = ?').get(userId) as { gym_id: string | null } | undefined
      const device = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(row.device_id) as Row | undefined
      if (!user || !device || device.gym_id !== user.gym_id || device.owner_user_id !== null) return undefined
      this.db.prepare('UPDATE devices SET owner_user_id = ?, pool = 0 WHERE id = ?').run(userId, row.device_id)
      this.db.prepare('DELETE FROM pairing_codes WHERE device_id = ?').run(row.device_id)
      this.change('device', row.device_id)
      return toDevice({ ...device, owner_user_id: userId, pool: 0 })
    })()
  }

  async issueCredential(deviceId: string): Promise<string> {
    if (!(await this.device(deviceId))) throw new RegistryError('not_found', `no device ${deviceId}`)
    const secret = newSecret()
    const hash = hashMachineSecret(secret)
    const now = Date.now()
    this.db.transaction(() => {
      this.db.prepare('UPDATE device_credentials SET revoked_ms = ? WHERE device_id = ? AND revoked_ms IS NULL').run(now, deviceId)
      this.db.prepare('INSERT INTO device_credentials (device_id, secret_hash, created_ms) VALUES (?, ?, ?)').run(deviceId, hash, now)
      this.change('credential', deviceId)
    })()
    return secret
  }

  async revokeCredentials(deviceId: string): Promise<number> {
    return this.db.transaction(() => {
      const n = this.db.prepare('UPDATE device_credentials SET revoked_ms = ? WHERE device_id = ? AND revoked_ms IS NULL').run(Date.now(), deviceId).changes
      this.change('credential', deviceId)
      return n
    })()
  }

  async verifyDevice(deviceId: string, secret: string | Buffer): Promise<Device | undefined> {
    const hashes = (this.db.prepare('SELECT secret_hash FROM device_credentials WHERE device_id = ? AND revoked_ms IS NULL').all(deviceId) as Array<{ secret_hash: string }>).map(
      (r) => r.secret_hash,
    )
    let ok = false
    for (const h of hashes.length > 0 ? hashes : [DUMMY_MACHINE_HASH]) if (await verifySecret(secret, h)) ok = hashes.length > 0
    return ok ? this.device(deviceId) : undefined
  }

  async startSession(s: ClassSession): Promise<void> {
    this.db.transaction(() => {
      this.run('INSERT INTO class_sessions (id, gym_id, coach_user_id, title, started_ms, ended_ms) VALUES (?, ?, ?, ?, ?, ?)', s.id, s.gymId, s.coachUserId, s.title, s.startedMs, s.endedMs)
      this.change('session', s.id)
    })()
  }

  async session(id: string): Promise<ClassSession | undefined> {
    const r = this.db.prepare('SELECT * FROM class_sessions WHERE id = ?').get(id) as Row | undefined
    return r && toSession(r)
  }

  async sessionsOfGym(gymId: string, fromMs: number, toMs = Number.MAX_SAFE_INTEGER): Promise<ClassSession[]> {
    return (
      this.db
        .prepare('SELECT * FROM class_sessions WHERE gym_id = ? AND started_ms < ? AND (ended_ms IS NULL OR ended_ms > ?) ORDER BY started_ms')
        .all(gymId, toMs, fromMs) as Row[]
    ).map(toSession)
  }

  async usersOfGym(gymId: string, role?: Role): Promise<User[]> {
    const rows = role
      ? this.db.prepare('SELECT * FROM users WHERE gym_id = ? AND role = ? ORDER BY display_name COLLATE NOCASE').all(gymId, role)
      : this.db.prepare('SELECT * FROM users WHERE gym_id = ? ORDER BY display_name COLLATE NOCASE').all(gymId)
    return (rows as Row[]).map(toUser)
  }

  async endSession(id: string, atMs: number): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('UPDATE class_sessions SET ended_ms = ? WHERE id = ?').run(atMs, id)
      // A session's open assignments end with it.
      const open = this.db.prepare('SELECT device_id FROM assignments WHERE session_id = ? AND to_ms IS NULL').all(id) as Array<{ device_id: string }>
      this.db.prepare('UPDATE assignments SET to_ms = ? WHERE session_id = ? AND to_ms IS NULL AND from_ms < ?').run(atMs, id, atMs)
      for (const o of open) this.change('assignment', o.device_id)
      this.change('session', id)
    })()
  }

  async assign(deviceId: string, userId: string, fromMs: number, sessionId?: string): Promise<void> {
    this.db.transaction(() => {
      const open = this.db.prepare('SELECT id, from_ms FROM assignments WHERE device_id = ? AND to_ms IS NULL').get(deviceId) as { id: number; from_ms: number } | undefined
      if (open && open.from_ms >= fromMs) throw new RegistryError('conflict', `device ${deviceId} has an assignment from ${open.from_ms}, not before ${fromMs}`)
      const overlap = this.db
        .prepare('SELECT count(*) AS n FROM assignments WHERE device_id = ? AND to_ms IS NOT NULL AND to_ms > ?')
        .get(deviceId, fromMs) as { n: number }
      if (overlap.n > 0) throw new RegistryError('conflict', `device ${deviceId} is assigned after ${fromMs} already`)
      if (open) this.db.prepare('UPDATE assignments SET to_ms = ? WHERE id = ?').run(fromMs, open.id)
      this.db.prepare('INSERT INTO assignments (device_id, user_id, session_id, from_ms) VALUES (?, ?, ?, ?)').run(deviceId, userId, sessionId ?? null, fromMs)
      this.change('assignment', deviceId)
    })()
  }

  async unassign(deviceId: string, atMs: number): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('UPDATE assignments SET to_ms = ? WHERE device_id = ? AND to_ms IS NULL AND from_ms < ?').run(atMs, deviceId, atMs)
      this.change('assignment', deviceId)
    })()
  }

  async assignments(deviceId: string): Promise<Assignment[]> {
    return (this.db.prepare('SELECT * FROM assignments WHERE device_id = ? ORDER BY from_ms').all(deviceId) as Row[]).map(toAssignment)
  }

  async changesSince(seq: number): Promise<Change[]> {
    return (this.db.prepare('SELECT * FROM changes WHERE seq > ? ORDER BY seq').all(seq) as Row[]).map((r) => ({
      seq: r.seq as number,
      kind: r.kind as Change['kind'],
      subject: r.subject as string,
      atMs: r.at_ms as number,
    }))
  }

  async audit(actor: string, action: string, subject: string): Promise<void> {
    this.run('INSERT INTO audit_log (at_ms, actor, action, subject) VALUES (?, ?, ?, ?)', Date.now(), actor, action, subject)
  }

  async auditAbout(subject: string): Promise<Array<{ atMs: number; actor: string; action: string }>> {
    return this.db.prepare('SELECT at_ms AS atMs, actor, action FROM audit_log WHERE subject = ? ORDER BY at_ms').all(subject) as Array<{ atMs: number; actor: string; action: string }>
  }

  async close(): Promise<void> {
    this.db.close()
  }

  private change(kind: Change['kind'], subject: string): void {
    this.db.prepare('INSERT INTO changes (kind, subject, at_ms) VALUES (?, ?, ?)').run(kind, subject, Date.now())
  }

  private run(sql: string, ...params: unknown[]): void {
    try {
      this.db.prepare(sql).run(...params)
    } catch (err) {
      // Said in the registry's words, not SQLite's (the CLI and the REST API show this message).
      const e = err as { code?: string; message: string }
      if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new RegistryError('not_found', 'a gym, user, device or class it names does not exist')
      if (e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const what = /constraint failed: (\w+)\.(\w+)/.exec(e.message)
        throw new RegistryError('conflict', what ? `that ${what[2] === 'id' ? 'id' : what[2]} is taken (${what[1]})` : 'it exists already')
      }
      if (e.code?.startsWith('SQLITE_CONSTRAINT')) throw new RegistryError('invalid', 'refused by the registry: a value is out of range or missing')
      throw err
    }
  }
}

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
