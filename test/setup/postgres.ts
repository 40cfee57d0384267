import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { createDatabase } from '@pulseline/registry'

/** The URL of a fresh database on the run's PostgreSQL, so tests never see each other's rows. */
export function freshPostgresDatabase(prefix = 'test'): Promise<string> {
  return createDatabase(inject('postgresUrl'), `${prefix}_${randomBytes(4).toString('hex')}`)
}
