/** The registry's records, as the rest of Pulseline sees them. */
export const ROLES = ['admin', 'coach', 'member', 'analyst'] as const
export type Role = (typeof ROLES)[number]

export const DEVICE_KINDS = ['strap', 'watch', 'bike', 'treadmill', 'rower', 'cross_trainer', 'footpod', 'gateway'] as const
export type DeviceKind = (typeof DEVICE_KINDS)[number]

export interface Gym {
  id: string
  name: string
  timezone: string
}

export interface User {
  id: string
  gymId: string | null
  role: Role
  displayName: string
  login: string | null
}

export interface MemberProfile {
  birthYear?: number
  sex?: 'female' | 'male'
  weightKg?: number
  restingHr?: number
  maxHr?: number
  /** True when maxHr was measured (a test, or raised from observed data), false when estimated. */
  maxHrMeasured?: boolean
  lthr?: number
  zoneModel?: string
  /** Lower edges (bpm) of zones 1–5 for the custom zone model. */
  zoneEdges?: number[]
  /** ml/kg/min, when measured: Keytel's fitness-adjusted calorie equation uses it. */
  vo2max?: number
  /** HRmax formula for estimates (fox, tanaka, gellish, nes); analytics' default when absent. */
  hrMaxFormula?: string
  timezone?: string
  /** Where after-class summaries go, when the member opts in. */
  email?: string
  /** The member's opt-in to an after-class summary by email (off unless they turn it on). */
  summaryByEmail?: boolean
}

export interface Device {
  id: string
  gymId: string
  kind: DeviceKind
  address: string | null
  serial: string | null
  ownerUserId: string | null
  pool: boolean
}

export interface Assignment {
  deviceId: string
  userId: string
  sessionId: string | null
  fromMs: number
  /** Exclusive end; null while the assignment is open. */
  toMs: number | null
}

export interface Change {
  seq: number
  kind: 'credential' | 'assignment' | 'device' | 'user' | 'session' | 'profile' | 'erasure' | 'import'
  subject: string
  atMs: number
}

/** Where a member's data may lie without their tag: a device they wore (or owned) over a time interval. */
export interface DeviceInterval {
  device: string
  fromMs: number
  toMs: number
}

/** A member's erasure: recorded when asked for, carried out by ingest, completed when nothing is left. */
export interface Erasure {
  id: number
  member: string
  gymId: string | null
  requestedMs: number
  intervals: DeviceInterval[]
  completedMs: number | null
}

/** History imported from a member's files (files/), for summaries to be recomputed over its span. */
export interface ImportedSpan {
  member: string
  fromMs: number
  toMs: number
}

/** An import change's subject: "member fromMs toMs" (ids never hold a space, ID_PATTERN). */
export function importSubject(span: ImportedSpan): string {
  return `${span.member} ${Math.floor(span.fromMs)} ${Math.ceil(span.toMs)}`
}

export function parseImportSubject(subject: string): ImportedSpan | undefined {
  const [member, from, to] = subject.split(' ')
  const fromMs = Number(from)
  const toMs = Number(to)
  return member && Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs >= fromMs ? { member, fromMs, toMs } : undefined
}
