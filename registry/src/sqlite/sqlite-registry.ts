/**
 * The registry on embedded SQLite (better-sqlite3: synchronous, in-process, WAL). Every method is one
 * transaction; methods are async only to match the Registry interface. Split by kind of record, one file
 * each: people.ts (gyms, users, logins, profiles), devices.ts (devices, claims, pairing, credentials),
 * classes.ts (class sessions, assignments); here what spans them (deleting and erasing a member) and the
 * change feed and audit log.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { ScryptCost } from '../secret-hash.js'
import { RegistryError, type Registry } from '../registry.js'
import { importSubject, type Change, type Erasure, type ImportedSpan } from '../types.js'
import { erasureIntervals, toErasure, type Row } from '../rows.js'
import { migrate } from './migrate.js'
import { SqliteClasses } from './classes.js'

export class SqliteRegistry extends SqliteClasses implements Registry {
  private constructor(db: Database.Database, cost: ScryptCost | undefined) {
    super(db, cost)
  }

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

  async changesSince(seq: number): Promise<Change[]> {
    return (this.db.prepare('SELECT * FROM changes WHERE seq > ? ORDER BY seq').all(seq) as Row[]).map((r) => ({
      seq: r.seq as number,
      kind: r.kind as Change['kind'],
      subject: r.subject as string,
      atMs: r.at_ms as number,
    }))
  }

  async recordImport(span: ImportedSpan): Promise<void> {
    this.change('import', importSubject(span))
  }

  async audit(actor: string, action: string, subject: string): Promise<void> {
    this.run('INSERT INTO audit_log (at_ms, actor, action, subject) VALUES (?, ?, ?, ?)', Date.now(), actor, action, subject)
  }

  async auditAbout(subject: string): Promise<Array<{ atMs: number; actor: string; action: string }>> {
    return this.db.prepare('SELECT at_ms AS atMs, actor, action FROM audit_log WHERE subject = ? ORDER BY at_ms').all(subject) as Array<{ atMs: number; actor: string; action: string }>
  }
}
