/**
 * What every part of the SQLite registry shares: the connection, the scrypt cost of new hashes, the change
 * feed's writer and the translation of SQLite's constraint errors into the registry's words. The parts add one
 * kind of record each (people.ts, devices.ts, classes.ts); sqlite-registry.ts completes the interface.
 */
import type Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import type { ScryptCost } from '../secret-hash.js'
import { RegistryError } from '../registry.js'
import type { Change } from '../types.js'

export abstract class SqliteStore {
  protected constructor(
    protected readonly db: Database.Database,
    protected readonly cost: ScryptCost | undefined,
  ) {}

  async close(): Promise<void> {
    this.db.close()
  }

  protected change(kind: Change['kind'], subject: string): void {
    this.db.prepare('INSERT INTO changes (kind, subject, at_ms) VALUES (?, ?, ?)').run(kind, subject, Date.now())
  }

  protected run(sql: string, ...params: unknown[]): void {
    try {
      this.db.prepare(sql).run(...params)
    } catch (err) {
      // Said in the registry's words, not SQLite's (the CLI and the REST API show this message).
      const e = err as { code?: string; message: string }
      if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new RegistryError('not_found', 'a gym, user, device or class it names does not exist')
      if (e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const what = /constraint failed: (\w+)\.(\w+)/.exec(e.message)
        throw new RegistryError('conflict', what ? `that ${what[2] === 'id' ? 'id' : what[2]} is taken (${what[1]})` : 'it exists already')
      }
      if (e.code?.startsWith('SQLITE_CONSTRAINT')) throw new RegistryError('invalid', 'refused by the registry: a value is out of range or missing')
      throw err
    }
  }
}

export function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
