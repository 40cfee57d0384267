/**
 * Who may connect: the registry when there is one (its change feed followed), the identities file for
 * services and for devices the registry does not hold, or a directory handed in by the caller (tests).
 */
import { existsSync } from 'node:fs'
import { openRegistry, type Registry } from '@pulseline/registry'
import { FileIdentityDirectory } from './file-directory.js'
import { RegistryDirectory } from './registry-directory.js'
import type { IdentityDirectory } from './identity.js'
import type { IngestOptions } from '../options.js'

export interface Identities {
  directory: IdentityDirectory
  registry: Registry | undefined
  file: FileIdentityDirectory | undefined
  /** The registry's directory, whose change feed drives revocations, device lists and erasures. */
  followed: RegistryDirectory | undefined
  /** Stops reloading the file and following the registry's change feed. */
  stopWatching(): void
  /** Closes the registry, unless the caller handed it in. */
  close(): Promise<void>
}

export async function openIdentities(options: IngestOptions['identities'], given: { directory?: IdentityDirectory; registry?: Registry }): Promise<Identities> {
  const registry = given.registry ?? (options.registry ? await openRegistry(options.registry) : undefined)
  const file = existsSync(options.file) ? await FileIdentityDirectory.load(options.file) : undefined
  const followed = registry ? await RegistryDirectory.open(registry, file) : undefined
  const directory = given.directory ?? followed ?? file
  if (!directory) throw new Error(`no identities: neither ${options.file} nor a registry`)
  return {
    directory,
    registry,
    file,
    followed,
    stopWatching() {
      file?.close()
      followed?.close()
    },
    async close() {
      if (!given.registry) await registry?.close()
    },
  }
}
