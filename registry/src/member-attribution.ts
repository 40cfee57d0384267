/**
 * Attaches the member to a device's samples: the member whose assignment covered the sample's own time
 * (registry/src/attribution.ts). Assignments are cached per device and dropped from the cache when the
 * registry's change feed says they changed. A sample no assignment covers belongs to the device's owner
 * when it has one (a member's own watch), else it is stored under the device alone, with no member tag.
 */
import { memberAt } from './attribution.js'
import type { Registry } from './registry.js'
import type { Assignment } from './types.js'
import { seriesTags, type SeriesTags } from '@pulseline/protocol'

export class MemberAttribution {
  private readonly assignments = new Map<string, { assignments: Assignment[]; owner: string | undefined }>()
  private readonly loading = new Map<string, Promise<{ assignments: Assignment[]; owner: string | undefined }>>()
  private readonly tags = new Map<string, SeriesTags>()

  constructor(private readonly registry: Registry) {}

  /** Loads (once) the assignments of a device, so that `tagsAt` can answer synchronously. */
  async prepare(deviceId: string): Promise<void> {
    if (this.assignments.has(deviceId)) return
    let pending = this.loading.get(deviceId)
    if (!pending) {
      pending = Promise.all([this.registry.assignments(deviceId), this.registry.device(deviceId)]).then(([assignments, device]) => ({
        assignments,
        owner: device?.ownerUserId ?? undefined,
      }))
      this.loading.set(deviceId, pending)
    }
    this.assignments.set(deviceId, await pending)
    this.loading.delete(deviceId)
  }

  /** The member a sample of `deviceId` at time `t` belongs to; call `prepare` first. */
  memberAt(deviceId: string, t: number): string | undefined {
    const known = this.assignments.get(deviceId)
    return memberAt(known?.assignments ?? [], t) ?? known?.owner
  }

  /** Tags for a sample of `deviceId` at time `t`; call `prepare` first. */
  tagsAt(deviceId: string, gym: string, t: number): SeriesTags {
    const member = this.memberAt(deviceId, t)
    const key = `${deviceId}\u0000${gym}\u0000${member ?? ''}`
    let tags = this.tags.get(key)
    if (!tags) this.tags.set(key, (tags = seriesTags(deviceId, gym, member)))
    return tags
  }

  invalidate(deviceIds: readonly string[]): void {
    for (const id of deviceIds) this.assignments.delete(id)
  }
}
