/**
 * The registry engines a contract test runs against: the embedded SQLite default and PostgreSQL (a fresh
 * database of the run's server, see global.ts). `describe.each(REGISTRY_ENGINES)` runs a suite on both.
 */
import { PostgresRegistry, SqliteRegistry, type Registry, type ScryptCost } from '@pulseline/registry'
import { freshPostgresDatabase } from './postgres.js'

export interface RegistryEngine {
  engine: string
  /** A new, empty, migrated registry. */
  open(options?: { secretCost?: ScryptCost }): Promise<Registry>
  /** Where a second process would open the same registry (`open` first). */
  location(): string
}

function sqlite(): RegistryEngine {
  return {
    engine: 'SQLite',
    async open(options) {
      return SqliteRegistry.open(':memory:', options)
    },
    location() {
      throw new Error('an in-memory SQLite registry has no location')
    },
  }
}

function postgres(): RegistryEngine {
  let url = ''
  return {
    engine: 'PostgreSQL',
    async open(options) {
      url = await freshPostgresDatabase('registry')
      return PostgresRegistry.open(url, options)
    },
    location: () => url,
  }
}

export const REGISTRY_ENGINES: RegistryEngine[] = [sqlite(), postgres()]
