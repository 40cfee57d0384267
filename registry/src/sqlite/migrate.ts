/**
 * Versioned migrations: `src/migrations/NNN-name.sql`, applied in order, each in its own transaction, and
 * recorded in `schema_migrations`. A database newer than this code (an unknown version recorded) is refused.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'

const DIR = fileURLToPath(new URL('../migrations/', import.meta.url))

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

/** Applies what is missing; returns the versions applied now. */
export function migrate(db: Database.Database): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)')
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version))
  const known = migrations()
  const newest = Math.max(0, ...known.map((m) => m.version))
  for (const v of applied) if (v > newest) throw new Error(`registry database is at schema version ${v}, newer than this code (${newest})`)
  const done: number[] = []
  for (const m of known) {
    if (applied.has(m.version)) continue
    db.transaction(() => {
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)').run(m.version, m.name, Date.now())
    })()
    done.push(m.version)
  }
  return done
}
