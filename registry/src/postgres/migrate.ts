/**
 * Applies the registry's migrations (../migrations.ts) to PostgreSQL. The files are SQLite's dialect where
 * the two differ; three words are translated, no more:
 *
 * - `INTEGER PRIMARY KEY AUTOINCREMENT` → `BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY`;
 * - `INTEGER` → `BIGINT`: SQLite's INTEGER holds 64 bits, PostgreSQL's 32, and times are ms since the epoch;
 * - `REAL` → `DOUBLE PRECISION`: SQLite's REAL is 8 bytes, PostgreSQL's 4 (61.3 kg would not round-trip).
 *
 * Several nodes may start at once against one database: an advisory lock makes them migrate one at a time.
 */
import type pg from 'pg'
import { migrations, refuseNewer } from '../migrations.js'

/** Any constant shared by every node; the lock exists only while a node migrates. */
const MIGRATION_LOCK = 0x706c_6d67 // "plmg"

export function toPostgres(sql: string): string {
  return sql
    .replace(/\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b/gi, 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY')
    .replace(/\bINTEGER\b/g, 'BIGINT')
    .replace(/\bREAL\b/g, 'DOUBLE PRECISION')
}

/** Applies what is missing; returns the versions applied now. */
export async function migratePostgres(client: pg.ClientBase): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)')
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version))
    const known = migrations()
    refuseNewer(applied, known)
    const done: number[] = []
    for (const m of known) {
      if (applied.has(m.version)) continue
      await client.query('BEGIN')
      try {
        await client.query(toPostgres(m.sql))
        await client.query('INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK')
        throw new Error(`registry migration ${m.version}-${m.name} failed on PostgreSQL: ${(err as Error).message}`)
      }
      done.push(m.version)
    }
    return done
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
  }
}
