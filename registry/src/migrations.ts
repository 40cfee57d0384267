/**
 * The registry's schema, as versioned migrations: `migrations/NNN-name.sql`, applied in order. Written in
 * the SQL that SQLite and PostgreSQL share; each engine's runner (sqlite/migrate.ts, postgres/migrate.ts)
 * applies them, each in its own transaction, and records them in `schema_migrations`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url))

export interface Migration {
  version: number
  name: string
  sql: string
}

export function migrations(): Migration[] {
  return readdirSync(DIR)
    .filter((f) => /^\d{3}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(DIR + f, 'utf8') }))
}

/** Refuses a database that records a schema version this code does not know (it is newer than the code). */
export function refuseNewer(applied: Iterable<number>, known: Migration[]): void {
  const newest = Math.max(0, ...known.map((m) => m.version))
  for (const v of applied) if (v > newest) throw new Error(`registry database is at schema version ${v}, newer than this code (${newest})`)
}
