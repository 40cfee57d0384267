/**
 * The registry part: SQLite's online backup API (better-sqlite3's `backup`), which copies a consistent
 * snapshot page by page while ingest and the dashboard keep reading and writing. Counts are rows per table,
 * taken from the copy, so a restore can be compared table by table.
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { iso, type TakenPart } from './part.js'

export async function takeRegistry(path: string, staging: string): Promise<TakenPart & { sqlite: string; schema: number }> {
  const source = new Database(path, { readonly: true, fileMustExist: true })
  const file = 'registry/registry.sqlite'
  try {
    await source.backup(join(staging, file))
  } finally {
    source.close()
  }
  const until = iso(Date.now())
  const copy = new Database(join(staging, file), { readonly: true })
  try {
    return { files: [file], covers: { until }, counts: registryRowCounts(copy), ...registryVersions(copy) }
  } finally {
    copy.close()
  }
}

/** Rows per table of a registry database (SQLite's own tables left out). */
function registryRowCounts(db: Database.Database): Record<string, number> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>
  const counts: Record<string, number> = {}
  for (const { name } of tables) counts[name] = (db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n
  return counts
}

function registryVersions(db: Database.Database): { sqlite: string; schema: number } {
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v
  const schema = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0
  return { sqlite, schema }
}
