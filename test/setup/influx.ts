import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { InfluxClient } from '@pulseline/influx'

/** A client on a fresh database of the run's influxd, so tests never see each other's points. */
export async function freshDatabase(prefix = 'test'): Promise<InfluxClient> {
  const client = new InfluxClient({ url: inject('influxUrl'), database: `${prefix}_${randomBytes(4).toString('hex')}` })
  await client.ensureDatabase()
  return client
}
