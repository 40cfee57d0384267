/**
 * Who may do what: one table. Every route names its rule in `config.access`; the server refuses to start
 * with a route that names none, and the authorization-matrix test walks every registered route. Rules
 * decide from the user and the gym the request is about (resolved from the route's parameters).
 *
 *   admin    manages the registry of their gym (an admin with no gym: every gym)
 *   coach    runs classes in their gym: sessions, assignments, live data and members' profiles
 *   analyst  reads history in their gym, changes nothing
 *   member   sees and exports only themself; may ask for their own erasure
 */
import type { User } from '@pulseline/registry'

export interface AccessContext {
  user: User | undefined
  /** Gym the request is about, when it is about one. */
  gymId: string | undefined
  /** Member the request is about, when it is about one. */
  memberId: string | undefined
}

const inGym = (user: User, gymId: string | undefined) => gymId !== undefined && (user.gymId === null ? user.role === 'admin' : user.gymId === gymId)

export const ACCESS_RULES = {
  /** Anyone, logged in or not (login itself). */
  public: () => true,
  /** Any logged-in user, about themself (me, logout, password). */
  authenticated: ({ user }: AccessContext) => user !== undefined,
  /** Registry changes: devices, credentials. */
  'gym:admin': ({ user, gymId }: AccessContext) => user?.role === 'admin' && inGym(user, gymId),
  /** Running classes: sessions and assignments. */
  'gym:manage': ({ user, gymId }: AccessContext) => (user?.role === 'admin' || user?.role === 'coach') && inGym(user, gymId),
  /** Anyone who belongs to the gym (the nearby devices a member may claim). */
  'gym:member': ({ user, gymId }: AccessContext) => user !== undefined && inGym(user, gymId),
  /** Creating gyms: an admin of no particular gym. */
  'global:admin': ({ user }: AccessContext) => user?.role === 'admin' && user.gymId === null,
  /** Reading a gym's registry and history. */
  'gym:read': ({ user, gymId }: AccessContext) => user !== undefined && user.role !== 'member' && inGym(user, gymId),
  /** A member's profile, live data and export: themself, or the coaches and admins of their gym. */
  'member:read': ({ user, gymId, memberId }: AccessContext) =>
    user !== undefined && (user.id === memberId || ((user.role === 'admin' || user.role === 'coach') && inGym(user, gymId))),
  /** A member's history: as member:read, plus the analysts of their gym (read-only history). */
  'member:history': ({ user, gymId, memberId }: AccessContext) =>
    user !== undefined && (user.id === memberId || (user.role !== 'member' && inGym(user, gymId))),
  /** Erasure: the member themself, or an admin of their gym. */
  'member:erase': ({ user, gymId, memberId }: AccessContext) => user !== undefined && (user.id === memberId || (user.role === 'admin' && inGym(user, gymId))),
} as const satisfies Record<string, (ctx: AccessContext) => boolean>

export type AccessRule = keyof typeof ACCESS_RULES
