/** Applies the registry's migrations (../migrations.ts) to a SQLite database. */
import type Database from 'better-sqlite3'
import { migrations, refuseNewer } from '../migrations.js'

/** Applies what is missing; returns the versions applied now. */
export function migrate(db: Database.Database): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)')
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version))
  const known = migrations()
  refuseNewer(applied, known)
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
