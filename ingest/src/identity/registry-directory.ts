/**
 * Device and gateway identities from the registry. Credentials are checked against the registry's
 * scrypt hashes on every connect; the devices themselves are cached in memory (the publish path asks
 * for them per message) and refreshed from the registry's change feed, which is polled every `pollMs`.
 * A credential change (rotation or revocation) in the feed disconnects that device's clients: whoever
 * changes it, from whichever process, the broker notices within one poll.
 */
import type { Registry } from '@pulseline/registry'
import type { AuthResult, DeviceIdentity, Identity, IdentityDirectory, ServiceIdentity } from './identity.js'
import type { FileIdentityDirectory } from './file-directory.js'

export class RegistryDirectory implements IdentityDirectory {
  private devices = new Map<string, DeviceIdentity>()
  private gateways = new Set<string>()
  private seq = 0
  private timer: NodeJS.Timeout | undefined
  /** Called with the ids whose credentials changed. */
  onRevoked: (ids: string[]) => void = () => {}
  /** Called with the ids whose assignments changed. */
  onAssignmentsChanged: (ids: string[]) => void = () => {}
  /** Called after the device list was reloaded (a device added, claimed, removed). */
  onDevicesChanged: () => void = () => {}
  /** Called when a member's erasure was recorded or completed. */
  onErasure: () => void = () => {}

  private constructor(
    private readonly registry: Registry,
    /** Identities the registry does not hold: services (checked first), and file devices (checked after it). */
    private readonly fallback: FileIdentityDirectory | undefined,
  ) {}

  static async open(registry: Registry, fallback?: FileIdentityDirectory): Promise<RegistryDirectory> {
    const dir = new RegistryDirectory(registry, fallback)
    const changes = await registry.changesSince(0)
    dir.seq = changes.at(-1)?.seq ?? 0
    await dir.reloadDevices()
    return dir
  }

  async authenticate(username: string, secret: Buffer): Promise<AuthResult> {
    // Services first, and only there: a registry device an admin named `analytics` is not the service.
    if (this.fallback?.isService(username)) return this.fallback.authenticate(username, secret)
    const device = await this.registry.verifyDevice(username, secret)
    if (device) {
      const identity: Identity = device.kind === 'gateway' ? { type: 'gateway', id: device.id, gym: device.gymId } : { type: 'device', id: device.id, gym: device.gymId, kind: device.kind }
      return { ok: true, identity }
    }
    const known = await this.registry.device(username)
    if (!known && this.fallback?.knows(username)) return this.fallback.authenticate(username, secret)
    return { ok: false, reason: known ? 'PL_AUTH_FAILED' : 'PL_AUTH_UNKNOWN_DEVICE' }
  }

  service(id: string): ServiceIdentity | undefined {
    return this.fallback?.service(id)
  }

  knows(id: string): boolean {
    return this.devices.has(id) || this.gateways.has(id) || (this.fallback?.knows(id) ?? false)
  }

  device(id: string): DeviceIdentity | undefined {
    return this.devices.get(id) ?? this.fallback?.device(id)
  }

  /** Follows the change feed every `pollMs`. */
  watch(pollMs: number, onError: (err: Error) => void): void {
    this.timer = setInterval(() => void this.poll().catch(onError), pollMs)
  }

  close(): void {
    clearInterval(this.timer)
  }

  async poll(): Promise<void> {
    const changes = await this.registry.changesSince(this.seq)
    if (changes.length === 0) return
    this.seq = changes.at(-1)!.seq
    const credentials = [...new Set(changes.filter((c) => c.kind === 'credential').map((c) => c.subject))]
    const assignments = [...new Set(changes.filter((c) => c.kind === 'assignment').map((c) => c.subject))]
    const devices = [...new Set(changes.filter((c) => c.kind === 'device').map((c) => c.subject))]
    if (devices.length > 0) {
      await this.reloadDevices()
      this.onDevicesChanged()
    }
    // A deleted device loses its connection like a revoked one, and its cached owner and assignments.
    const gone = devices.filter((d) => !this.devices.has(d))
    if (credentials.length + gone.length > 0) this.onRevoked([...new Set([...credentials, ...gone])])
    if (assignments.length + devices.length > 0) this.onAssignmentsChanged([...new Set([...assignments, ...devices])])
    if (changes.some((c) => c.kind === 'erasure')) this.onErasure()
  }

  private async reloadDevices(): Promise<void> {
    const next = new Map<string, DeviceIdentity>()
    const gateways = new Set<string>()
    for (const gym of await this.registry.gyms()) {
      for (const d of await this.registry.devicesOfGym(gym.id)) {
        if (d.kind === 'gateway') gateways.add(d.id)
        else next.set(d.id, { type: 'device', id: d.id, gym: d.gymId, kind: d.kind })
      }
    }
    this.devices = next
    this.gateways = gateways
  }
}
