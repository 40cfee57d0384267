/**
 * The registry: gyms, people, their physiology, devices and credentials, class sessions and who wears
 * what when. Asynchronous throughout, so that a PostgreSQL implementation can sit behind the same
 * interface; the embedded default is SQLite (sqlite/sqlite-registry.ts).
 */
import type { Assignment, Change, Device, DeviceKind, Erasure, Gym, ImportedSpan, MemberProfile, Role, User } from './types.js'

export interface ClassSession {
  id: string
  gymId: string
  coachUserId: string | null
  title: string
  startedMs: number
  endedMs: number | null
}

export interface Registry {
  createGym(gym: Gym): Promise<void>
  gym(id: string): Promise<Gym | undefined>
  gyms(): Promise<Gym[]>

  /** Creates a user; a password is stored as a scrypt hash. */
  createUser(user: User, password?: string): Promise<void>
  user(id: string): Promise<User | undefined>
  /** The user whose login and password match, or undefined (same time either way). */
  verifyLogin(login: string, password: string): Promise<User | undefined>
  /** Sets a new password; every login session of the user ends. */
  changePassword(userId: string, password: string): Promise<void>
  /** Opens a login session; returns the token for the cookie (stored hashed). */
  openUserSession(userId: string, ttlMs: number): Promise<string>
  /** The user of a live session token, or undefined. */
  sessionUser(token: string): Promise<User | undefined>
  closeUserSession(token: string): Promise<void>
  setMemberProfile(userId: string, profile: MemberProfile): Promise<void>
  memberProfile(userId: string): Promise<MemberProfile | undefined>

  /** Deletes a user and, by cascade, their profile, assignments and owned devices with their credentials. */
  deleteUser(id: string): Promise<void>
  /**
   * Erases a member from the registry and records the erasure: the devices that carried their data and
   * when (every assignment; owned devices from the beginning), then their rows as deleteUser does. What
   * lies in other stores is purged by whoever follows the change feed (ingest: erasure/erasure-worker.ts).
   */
  eraseUser(id: string, actor: string): Promise<Erasure>
  /** Erasures not completed yet, and those completed since `sinceMs`, oldest first. */
  erasures(sinceMs?: number): Promise<Erasure[]>
  completeErasure(id: number, atMs: number): Promise<void>
  /** Every assignment of a user, over all devices. */
  assignmentsOfUser(userId: string): Promise<Assignment[]>

  createDevice(device: Device): Promise<void>
  devicesOwnedBy(userId: string): Promise<Device[]>
  device(id: string): Promise<Device | undefined>
  devicesOfGym(gymId: string): Promise<Device[]>

  /** The device of a gym with this BLE address, if registered. */
  deviceByAddress(gymId: string, address: string): Promise<Device | undefined>
  /**
   * A member asks for a device a gateway of their gym sees nearby: unregistered, it is registered (unowned);
   * then the request waits for a coach or admin to confirm it (`approveClaim`). 'mine' when it is theirs
   * already; undefined when someone else owns it, it is in the pool, or another member asked first.
   */
  requestClaim(gymId: string, address: string, kind: DeviceKind, userId: string): Promise<{ device: Device; status: 'pending' | 'mine' } | undefined>
  /** The claims waiting in a gym, oldest first. */
  claimRequests(gymId: string): Promise<Array<{ deviceId: string; userId: string; requestedMs: number; address: string | null }>>
  /** Confirms a claim: the device becomes the requesting member's. Undefined when nothing waits for it. */
  approveClaim(deviceId: string): Promise<Device | undefined>
  /** Turns a claim down; true when one waited. */
  rejectClaim(deviceId: string): Promise<boolean>

  /** A short single-use code that pairs an unowned device to whichever member of its gym redeems it. */
  createPairingCode(deviceId: string, ttlMs: number): Promise<string>
  /** Makes the member the owner of the code's device; undefined for an unknown, used or expired code, or another gym. */
  redeemPairingCode(code: string, userId: string): Promise<Device | undefined>

  /** Issues a new secret for a device (returned once, stored hashed) and revokes any earlier one. */
  issueCredential(deviceId: string): Promise<string>
  /** Revokes every credential of a device; returns how many were active. */
  revokeCredentials(deviceId: string): Promise<number>
  /** The device, when `secret` matches one of its active credentials. */
  verifyDevice(deviceId: string, secret: string | Buffer): Promise<Device | undefined>

  startSession(session: ClassSession): Promise<void>
  /** Ends a session and every assignment still open in it. */
  endSession(id: string, atMs: number): Promise<void>
  session(id: string): Promise<ClassSession | undefined>
  /** A gym's sessions that were running at any time in [fromMs, toMs), oldest first. */
  sessionsOfGym(gymId: string, fromMs: number, toMs?: number): Promise<ClassSession[]>
  /** The users of a gym, optionally of one role, by display name. */
  usersOfGym(gymId: string, role?: Role): Promise<User[]>

  /**
   * Assigns a device to a member from `fromMs` on. An open assignment of the device ends at `fromMs` (a
   * swap); an assignment that would overlap an earlier closed one is refused.
   */
  assign(deviceId: string, userId: string, fromMs: number, sessionId?: string): Promise<void>
  unassign(deviceId: string, atMs: number): Promise<void>
  /** A device's assignments, oldest first. */
  assignments(deviceId: string): Promise<Assignment[]>

  /** Changes with a sequence number above `seq`, for caches in other processes. */
  changesSince(seq: number): Promise<Change[]>
  /** Announces imported history on the change feed, so that analytics summarises its span. */
  recordImport(span: ImportedSpan): Promise<void>
  /** Records who did what to whom (ids only). */
  audit(actor: string, action: string, subject: string): Promise<void>
  /** The audit trail about one subject (who viewed, exported or changed what about them), oldest first. */
  auditAbout(subject: string): Promise<Array<{ atMs: number; actor: string; action: string }>>
  close(): Promise<void>
}

export class RegistryError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}
