/**
 * The SQLite registry's classes: class sessions, and who wears which device when (assignments, never
 * overlapping on a device; a session's open assignments end with it).
 */
import { RegistryError, type ClassSession } from '../registry.js'
import type { Assignment } from '../types.js'
import { toAssignment, toSession, type Row } from '../rows.js'
import { SqliteDevices } from './devices.js'

export abstract class SqliteClasses extends SqliteDevices {
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

  async assignmentsOfUser(userId: string): Promise<Assignment[]> {
    return (this.db.prepare('SELECT * FROM assignments WHERE user_id = ? ORDER BY from_ms').all(userId) as Row[]).map(toAssignment)
  }
}
