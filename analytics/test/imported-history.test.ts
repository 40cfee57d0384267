/**
 * History imported from a member's files, months before the rollups' look-back, is summarised all the same:
 * the import puts its span on the registry's change feed, analytics' view of the feed hands it on, and the
 * 1-minute, sleep and step summaries appear for those old days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { SqliteRegistry, type ImportedSpan } from '@pulseline/registry'
import { decodeFit, planImport, storeImport } from '@pulseline/files'
import { monitoringFit, sleepFit } from '@pulseline/firmware-sim/files'
import { freshDatabase } from '../../test/setup/influx.js'
import { RegistryView } from '../src/service/registry-view.js'
import { ImportedHistory } from '../src/service/imported-history.js'

describe('imported history', () => {
  let influx: InfluxClient
  let registry: SqliteRegistry
  // A night and a day about three months ago, in UTC (the member's zone).
  const day = Date.UTC(2026, 7, 20)

  beforeAll(async () => {
    influx = await freshDatabase('imported')
    registry = SqliteRegistry.open(':memory:')
    await registry.createGym({ id: 'g', name: 'G', timezone: 'UTC' })
    await registry.createUser({ id: 'ann', gymId: 'g', role: 'member', displayName: 'Ann', login: null })
  })
  afterAll(async () => Promise.all([influx?.close(), registry?.close()]))

  it('reach analytics through the change feed and are summarised over their span', async () => {
    const view = await RegistryView.open(registry, 'tanaka')
    const spans: ImportedSpan[] = []
    const handlers = { devicesChanged: () => undefined, erased: () => undefined, physiologyChanged: async () => undefined, imported: (s: ImportedSpan) => void spans.push(s) }
    await view.follow(handlers)
    const night = sleepFit(day - 2 * 3_600_000, [[0, 'light'], [90, 'deep'], [150, 'rem'], [420, 'awake'], [425, 'awake']], 11)
    const steps = monitoringFit(day, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 400, 1000, 1600, 2200], 11)
    for (const [name, bytes] of [['sleep.fit', night], ['monitor.fit', steps]] as const) await storeImport(planImport(name, decodeFit(bytes, name)), 'ann', registry, influx)
    await view.follow(handlers)
    expect(spans).toEqual([
      { member: 'ann', fromMs: day - 2 * 3_600_000, toMs: day - 2 * 3_600_000 + 420 * 60_000 },
      { member: 'ann', fromMs: day + 15 * 60_000, toMs: day + 32 * 15 * 60_000 },
    ])
    const history = new ImportedHistory(influx, async () => view.physiologyOf('ann'), (err) => {
      throw err
    })
    for (const span of spans) history.add(span)
    await history.idle()
    expect(history.counts).toEqual({ summarised: 2, dropped: 0 })
    const [sleep] = rowsOf(await influx.query(`SELECT total_sleep_min, in_bed_min FROM sleep_daily WHERE "member" = 'ann'`))
    expect([sleep?.time, sleep?.total_sleep_min, sleep?.in_bed_min]).toEqual([day, 420, 425]) // five minutes awake before getting up
    const [stepsDay] = rowsOf(await influx.query(`SELECT steps FROM steps_daily WHERE "member" = 'ann'`))
    expect([stepsDay?.time, stepsDay?.steps]).toEqual([day, 2200])
  })
})
