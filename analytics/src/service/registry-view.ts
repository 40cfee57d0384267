/**
 * What analytics keeps from the registry, and keeps current: members' physiology (cached per member), the
 * gyms' time zones, each gym's class sessions of the last day (and which ended ones have been summarised),
 * and the change feed that invalidates them. The live engine and the rollups ask it; the composition root
 * only wires it.
 */
import { parseImportSubject, type ClassSession, type ImportedSpan, type Registry } from '@pulseline/registry'
import { resolvePhysiology, type Physiology } from '../live/physiology.js'
import type { AnalyticsOptions } from './options.js'

export interface ChangeHandlers {
  /** Devices whose assignment or record changed: attribution must look again. */
  devicesChanged(devices: string[]): void
  /** A member was erased: forget everything of theirs. */
  erased(member: string): void
  /** A member's profile or user record changed: their zones follow. */
  physiologyChanged(member: string): Promise<void>
  /** History was imported from a member's files (files/): its span is to be summarised. */
  imported(span: ImportedSpan): void
}

export class RegistryView {
  private readonly physiology = new Map<string, Promise<Physiology>>()
  private readonly sessions = new Map<string, ClassSession[]>()
  private readonly summarized = new Set<string>()
  private seq = 0

  private constructor(
    private readonly registry: Registry,
    private readonly hrMaxFormula: AnalyticsOptions['live']['hrMaxFormula'],
    private readonly gymZone: Map<string, string>,
  ) {}

  static async open(registry: Registry, hrMaxFormula: AnalyticsOptions['live']['hrMaxFormula']): Promise<RegistryView> {
    const view = new RegistryView(registry, hrMaxFormula, new Map((await registry.gyms()).map((g) => [g.id, g.timezone])))
    for (const gym of view.gymZone.keys()) await view.loadSessions(gym)
    // Sessions that ended before this start were summarised by an earlier run (or will be by the rollup pass).
    for (const list of view.sessions.values()) for (const s of list) if (s.endedMs !== null) view.summarized.add(s.id)
    view.seq = (await registry.changesSince(0)).at(-1)?.seq ?? 0
    return view
  }

  readonly physiologyOf = (member: string): Promise<Physiology> => {
    let p = this.physiology.get(member)
    if (!p) {
      p = Promise.all([this.registry.user(member), this.registry.memberProfile(member)]).then(([user, profile]) =>
        resolvePhysiology(profile, Date.now(), this.hrMaxFormula, (user?.gymId && this.gymZone.get(user.gymId)) || 'UTC'),
      )
      this.physiology.set(member, p)
    }
    return p
  }

  /** The class session a sample of this gym at time `t` belongs to, if any. */
  readonly sessionAt = (gym: string, t: number): ClassSession | undefined =>
    this.sessions.get(gym)?.find((s) => s.startedMs <= t && (s.endedMs === null || t < s.endedMs))

  /** Ended sessions not yet summarised; `markSummarized` once each is. */
  endedUnsummarized(): ClassSession[] {
    return [...this.sessions.values()].flat().filter((s) => s.endedMs !== null && !this.summarized.has(s.id))
  }

  markSummarized(id: string): void {
    this.summarized.add(id)
  }

  /** Reads the change feed since last time and applies it, here and through `handlers`. */
  async follow(handlers: ChangeHandlers): Promise<void> {
    const changes = await this.registry.changesSince(this.seq)
    if (changes.length === 0) return
    this.seq = changes.at(-1)!.seq
    const devices = changes.filter((c) => c.kind === 'assignment' || c.kind === 'device').map((c) => c.subject)
    if (devices.length) handlers.devicesChanged(devices)
    const erased = new Set(changes.filter((c) => c.kind === 'erasure').map((c) => c.subject))
    for (const member of erased) {
      this.physiology.delete(member)
      handlers.erased(member)
    }
    for (const c of changes.filter((c) => (c.kind === 'profile' || c.kind === 'user') && !erased.has(c.subject))) {
      this.physiology.delete(c.subject)
      await handlers.physiologyChanged(c.subject)
    }
    for (const c of changes.filter((c) => c.kind === 'import')) {
      const span = parseImportSubject(c.subject)
      if (span && !erased.has(span.member)) handlers.imported(span)
    }
    for (const c of changes.filter((c) => c.kind === 'session')) {
      const s = await this.registry.session(c.subject)
      if (s) await this.loadSessions(s.gymId)
    }
  }

  private async loadSessions(gym: string): Promise<void> {
    this.sessions.set(gym, await this.registry.sessionsOfGym(gym, Date.now() - 86_400_000))
  }
}
