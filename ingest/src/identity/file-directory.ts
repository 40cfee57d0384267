/**
 * Identities from a JSON file: the services (analytics, dashboard) always, and devices and gateways where
 * no registry is configured:
 *
 *   { "devices":  [ { "id": "strap-01", "gym": "demo", "kind": "strap", "secretHash": "scrypt$..." } ],
 *     "gateways": [ { "id": "gw-floor-1", "gym": "demo", "secretHash": "scrypt$..." } ],
 *     "services": [ { "id": "analytics", "secretHash": "scrypt$...", "subscribe": ["pulseline/#"], "publish": [] } ] }
 *
 * The file is read at start-up and whenever it changes, so a credential can be revoked or rotated
 * without a restart.
 */
import { readFile } from 'node:fs/promises'
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ID_PATTERN, PulselineError } from '@pulseline/protocol'
import { DUMMY_MACHINE_HASH, verifyMachineSecret, verifySecret } from '@pulseline/registry'
import type { AuthResult, DeviceIdentity, Identity, IdentityDirectory, ServiceIdentity } from './identity.js'

const Id = Type.String({ pattern: ID_PATTERN.source })
export const IdentityFileSchema = Type.Object(
  {
    devices: Type.Array(Type.Object({ id: Id, gym: Id, kind: Type.String(), secretHash: Type.String() }, { additionalProperties: false })),
    gateways: Type.Optional(Type.Array(Type.Object({ id: Id, gym: Id, secretHash: Type.String() }, { additionalProperties: false }))),
    services: Type.Array(
      Type.Object(
        { id: Id, secretHash: Type.String(), subscribe: Type.Array(Type.String()), publish: Type.Array(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type IdentityFile = Static<typeof IdentityFileSchema>
const check = TypeCompiler.Compile(IdentityFileSchema)

interface Entry {
  identity: Identity
  secretHash: string
}

export class FileIdentityDirectory implements IdentityDirectory {
  private entries = new Map<string, Entry>()
  private watcher: FSWatcher | undefined
  /** Called after a reload with the ids whose entry was removed or whose secret changed. */
  onRevoked: (ids: string[]) => void = () => {}

  private constructor(private readonly path: string) {}

  static async load(path: string): Promise<FileIdentityDirectory> {
    const dir = new FileIdentityDirectory(path)
    await dir.reload()
    return dir
  }

  async authenticate(username: string, secret: Buffer): Promise<AuthResult> {
    const entry = this.entries.get(username)
    if (!entry) {
      verifyMachineSecret(secret, DUMMY_MACHINE_HASH) // as long as a real machine secret's check, and as cheap
      return { ok: false, reason: 'PL_AUTH_UNKNOWN_DEVICE' }
    }
    return (await verifySecret(secret, entry.secretHash)) ? { ok: true, identity: entry.identity } : { ok: false, reason: 'PL_AUTH_FAILED' }
  }

  isService(username: string): boolean {
    return this.entries.get(username)?.identity.type === 'service'
  }

  service(id: string): ServiceIdentity | undefined {
    const identity = this.entries.get(id)?.identity
    return identity?.type === 'service' ? identity : undefined
  }

  knows(id: string): boolean {
    return this.entries.has(id)
  }

  device(id: string): DeviceIdentity | undefined {
    const identity = this.entries.get(id)?.identity
    return identity?.type === 'device' ? identity : undefined
  }

  /** Re-reads the file; on a malformed file keeps the previous identities and throws. */
  async reload(): Promise<void> {
    const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'))
    if (!check.Check(parsed)) {
      const first = [...check.Errors(parsed)][0]
      throw new PulselineError('PL_CONFIG_INVALID', this.path, `${first?.path} ${first?.message}`)
    }
    const entries: Entry[] = [
      ...parsed.devices.map((d): Entry => ({ identity: { type: 'device', id: d.id, gym: d.gym, kind: d.kind }, secretHash: d.secretHash })),
      ...(parsed.gateways ?? []).map((g): Entry => ({ identity: { type: 'gateway', id: g.id, gym: g.gym }, secretHash: g.secretHash })),
      ...parsed.services.map((s): Entry => ({ identity: { type: 'service', id: s.id, subscribe: s.subscribe, publish: s.publish }, secretHash: s.secretHash })),
    ]
    const next = new Map<string, Entry>()
    for (const e of entries) {
      // A username names one identity: the same id twice would let one borrow the other's rights.
      if (next.has(e.identity.id)) throw new PulselineError('PL_CONFIG_INVALID', this.path, `id ${e.identity.id} is used twice`)
      next.set(e.identity.id, e)
    }
    const revoked = [...this.entries].filter(([id, e]) => next.get(id)?.secretHash !== e.secretHash).map(([id]) => id)
    this.entries = next
    if (revoked.length > 0) this.onRevoked(revoked)
  }

  /** Reloads when the file changes; errors go to `onError` and leave the old identities in place. */
  watch(onError: (err: Error) => void): void {
    let timer: NodeJS.Timeout | undefined
    // Watch the directory, not the file: an editor or an atomic rename replaces the file's inode.
    this.watcher = watch(dirname(this.path), (_event, name) => {
      if (name !== basename(this.path)) return
      clearTimeout(timer)
      timer = setTimeout(() => this.reload().catch(onError), 50)
    })
  }

  close(): void {
    this.watcher?.close()
  }
}
