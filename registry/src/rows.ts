/** Registry rows, as both engines return them (snake_case columns), turned into the registry's types. */
import type { ClassSession } from './registry.js'
import type { Assignment, Device, User } from './types.js'

export type Row = Record<string, unknown>

export function toSession(r: Row): ClassSession {
  return {
    id: r.id as string,
    gymId: r.gym_id as string,
    coachUserId: (r.coach_user_id as string | null) ?? null,
    title: r.title as string,
    startedMs: r.started_ms as number,
    endedMs: (r.ended_ms as number | null) ?? null,
  }
}

export function toUser(r: Row): User {
  return { id: r.id as string, gymId: (r.gym_id as string | null) ?? null, role: r.role as User['role'], displayName: r.display_name as string, login: (r.login as string | null) ?? null }
}

export function toAssignment(r: Row): Assignment {
  return {
    deviceId: r.device_id as string,
    userId: r.user_id as string,
    sessionId: (r.session_id as string | null) ?? null,
    fromMs: r.from_ms as number,
    toMs: (r.to_ms as number | null) ?? null,
  }
}

export function toDevice(r: Row): Device {
  return {
    id: r.id as string,
    gymId: r.gym_id as string,
    kind: r.kind as Device['kind'],
    address: (r.address as string | null) ?? null,
    serial: (r.serial as string | null) ?? null,
    ownerUserId: (r.owner_user_id as string | null) ?? null,
    pool: r.pool === 1,
  }
}
