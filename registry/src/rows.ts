/** Registry rows, as both engines return them (snake_case columns), turned into the registry's types. */
import type { ClassSession } from './registry.js'
import type { Assignment, Device, DeviceInterval, Erasure, MemberProfile, User } from './types.js'

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

export function toProfile(r: Row): MemberProfile {
  const out: MemberProfile = { maxHrMeasured: r.max_hr_measured === 1, zoneModel: r.zone_model as string }
  if (r.birth_year !== null) out.birthYear = r.birth_year as number
  if (r.sex !== null) out.sex = r.sex as 'female' | 'male'
  if (r.weight_kg !== null) out.weightKg = r.weight_kg as number
  if (r.resting_hr !== null) out.restingHr = r.resting_hr as number
  if (r.max_hr !== null) out.maxHr = r.max_hr as number
  if (r.lthr !== null) out.lthr = r.lthr as number
  if (r.timezone !== null) out.timezone = r.timezone as string
  if (r.zone_edges !== null) out.zoneEdges = JSON.parse(r.zone_edges as string) as number[]
  if (r.vo2max !== null) out.vo2max = r.vo2max as number
  if (r.hr_max_formula !== null) out.hrMaxFormula = r.hr_max_formula as string
  if (r.email !== null) out.email = r.email as string
  if (Number(r.summary_by_email) === 1) out.summaryByEmail = true
  return out
}

/** The profile upsert, with each engine's placeholder for the n-th value (SQLite `?`, PostgreSQL `$n`). */
export function profileUpsert(placeholder: (n: number) => string): string {
  const values = Array.from({ length: 15 }, (_, i) => placeholder(i + 1)).join(', ')
  return `INSERT INTO member_profiles (user_id, birth_year, sex, weight_kg, resting_hr, max_hr, max_hr_measured, lthr, zone_model, timezone,
       zone_edges, vo2max, hr_max_formula, email, summary_by_email)
     VALUES (${values})
     ON CONFLICT (user_id) DO UPDATE SET birth_year = excluded.birth_year, sex = excluded.sex, weight_kg = excluded.weight_kg,
       resting_hr = excluded.resting_hr, max_hr = excluded.max_hr, max_hr_measured = excluded.max_hr_measured, lthr = excluded.lthr,
       zone_model = excluded.zone_model, timezone = excluded.timezone, zone_edges = excluded.zone_edges, vo2max = excluded.vo2max,
       hr_max_formula = excluded.hr_max_formula, email = excluded.email, summary_by_email = excluded.summary_by_email`
}

/** A profile's values, in the order of profileUpsert. */
export function profileValues(userId: string, p: MemberProfile): unknown[] {
  return [
    userId,
    p.birthYear ?? null,
    p.sex ?? null,
    p.weightKg ?? null,
    p.restingHr ?? null,
    p.maxHr ?? null,
    p.maxHrMeasured ? 1 : 0,
    p.lthr ?? null,
    p.zoneModel ?? 'percent_max',
    p.timezone ?? null,
    p.zoneEdges ? JSON.stringify(p.zoneEdges) : null,
    p.vo2max ?? null,
    p.hrMaxFormula ?? null,
    p.email ?? null,
    p.summaryByEmail ? 1 : 0,
  ]
}

export function toErasure(r: Row): Erasure {
  return {
    id: r.id as number,
    member: r.member_id as string,
    gymId: (r.gym_id as string | null) ?? null,
    requestedMs: r.requested_ms as number,
    intervals: JSON.parse(r.intervals as string),
    completedMs: (r.completed_ms as number | null) ?? null,
  }
}

/** Where an erased member's data may lie: every assignment (an open one up to now), and owned devices from the start. */
export function erasureIntervals(worn: Array<{ device_id: string; from_ms: number; to_ms: number | null }>, owned: Array<{ id: string }>, now: number): DeviceInterval[] {
  return [...worn.map((a) => ({ device: a.device_id, fromMs: a.from_ms, toMs: a.to_ms ?? now })), ...owned.map((d) => ({ device: d.id, fromMs: 0, toMs: now }))]
}
