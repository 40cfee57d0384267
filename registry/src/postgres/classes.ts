/**
 * The PostgreSQL registry's classes: class sessions, and who wears which device when (assignments, never
 * overlapping on a device; a session's open assignments end with it).
 */
import { RegistryError, type ClassSession } from '../registry.js'
import type { Assignment } from '../types.js'
import { toAssignment, toSession } from '../rows.js'
import { PostgresDevices } from './devices.js'

export abstract class PostgresClasses extends PostgresDevices {
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

  async assignmentsOfUser(userId: string): Promise<Assignment[]> {
    return (await this.rows('SELECT * FROM assignments WHERE user_id = $1 ORDER BY from_ms', [userId])).map(toAssignment)
  }
}
