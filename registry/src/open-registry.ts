/**
 * One way for every service to open the registry: a postgres:// (or postgresql://) URL opens it on
 * PostgreSQL, for several machines; anything else is a SQLite file, the embedded default for one machine.
 */
import type { Registry } from './registry.js'
import type { ScryptCost } from './secret-hash.js'
import { SqliteRegistry } from './sqlite/sqlite-registry.js'
import { PostgresRegistry } from './postgres/postgres-registry.js'

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location)
}

export async function openRegistry(location: string, options: { secretCost?: ScryptCost } = {}): Promise<Registry> {
  return isPostgresUrl(location) ? PostgresRegistry.open(location, options) : SqliteRegistry.open(location, options)
}

