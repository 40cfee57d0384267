/**
 * Apple Health's export.xml: heart rate, steps and sleep analysis read from a streamed file with its DTD;
 * overlapping sources (phone and watch both counting steps) kept once; a file damaged half-way writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { SqliteRegistry, type Registry } from '@pulseline/registry'
import type { PulselineError } from '@pulseline/protocol'
import { freshDatabase } from '../../test/setup/influx.js'
import { healthDate } from '../src/apple-health/health-records.js'
import { planHealthExport, storeHealthExport } from '../src/apple-health/import-health-export.js'
import { T0, healthExport, type HealthRecord } from './fixtures.js'

const night = Date.UTC(2026, 10, 1, 22, 0)
const records: HealthRecord[] = [
  // Heart rate from the watch, every 5 s for 10 minutes.
  ...Array.from({ length: 120 }, (_, i): HealthRecord => ({ type: 'HKQuantityTypeIdentifierHeartRate', source: 'Ann’s Apple Watch', startMs: T0 + i * 5000, endMs: T0 + i * 5000, value: 60 + (i % 40) })),
  // Steps counted by both: the watch in 10 one-minute records, the phone in 4 (Health shows the watch's).
  ...Array.from({ length: 10 }, (_, i): HealthRecord => ({ type: 'HKQuantityTypeIdentifierStepCount', source: 'Ann’s Apple Watch', startMs: T0 + i * 60_000, endMs: T0 + (i + 1) * 60_000, value: 100 + i })),
  ...Array.from({ length: 4 }, (_, i): HealthRecord => ({ type: 'HKQuantityTypeIdentifierStepCount', source: 'Ann’s iPhone', startMs: T0 + i * 150_000, endMs: T0 + (i + 1) * 150_000, value: 240 })),
  // A night: in bed, core, deep, REM, awake.
  { type: 'HKCategoryTypeIdentifierSleepAnalysis', source: 'Ann’s Apple Watch', startMs: night, endMs: night + 10 * 60_000, value: 'HKCategoryValueSleepAnalysisInBed' },
  { type: 'HKCategoryTypeIdentifierSleepAnalysis', source: 'Ann’s Apple Watch', startMs: night + 10 * 60_000, endMs: night + 100 * 60_000, value: 'HKCategoryValueSleepAnalysisAsleepCore' },
  { type: 'HKCategoryTypeIdentifierSleepAnalysis', source: 'Ann’s Apple Watch', startMs: night + 100 * 60_000, endMs: night + 160 * 60_000, value: 'HKCategoryValueSleepAnalysisAsleepDeep' },
  { type: 'HKCategoryTypeIdentifierSleepAnalysis', source: 'Ann’s Apple Watch', startMs: night + 160 * 60_000, endMs: night + 190 * 60_000, value: 'HKCategoryValueSleepAnalysisAsleepREM' },
  { type: 'HKCategoryTypeIdentifierSleepAnalysis', source: 'Ann’s Apple Watch', startMs: night + 190 * 60_000, endMs: night + 195 * 60_000, value: 'HKCategoryValueSleepAnalysisAwake' },
  // Kinds Pulseline does not keep, and a heart rate out of range.
  { type: 'HKQuantityTypeIdentifierBodyMass', source: 'Scale', startMs: T0, endMs: T0, value: 61.2 },
  { type: 'HKQuantityTypeIdentifierHeartRate', source: 'Ann’s Apple Watch', startMs: T0 + 700_000, endMs: T0 + 700_000, value: 400 },
]

describe('Apple Health export.xml', () => {
  let dir: string
  let influx: InfluxClient
  let registry: Registry
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pl-health-'))
    await writeFile(join(dir, 'export.xml'), healthExport(records))
    influx = await freshDatabase('health')
    registry = SqliteRegistry.open(':memory:')
    await registry.createGym({ id: 'g', name: 'G', timezone: 'Europe/Zurich' })
    await registry.createUser({ id: 'ann', gymId: 'g', role: 'member', displayName: 'Ann', login: null })
  })
  afterAll(async () => {
    await Promise.all([influx?.close(), registry?.close()])
    await rm(dir, { recursive: true, force: true })
  })

  it('reads dates with their offsets', () => {
    expect(healthDate('2026-11-02 08:00:05 +0100')).toBe(Date.UTC(2026, 10, 2, 7, 0, 5))
    expect(healthDate('2026-11-02 02:30:00 -0530')).toBe(Date.UTC(2026, 10, 2, 8, 0, 0))
    expect(healthDate('2026-11-02T08:00:05Z')).toBeNaN()
  })

  it("accounts for heart rate, the watch's steps (not the phone's as well) and the night; refuses an impossible heart rate", async () => {
    const plan = await planHealthExport(join(dir, 'export.xml'), 'export.xml')
    expect(plan.sources).toEqual({ hr: 'Ann’s Apple Watch', steps: 'Ann’s Apple Watch', sleep: 'Ann’s Apple Watch' })
    expect(plan.account.samples).toEqual({ hr: 120, steps: 10, sleep: 5 })
    expect(plan.account.refused).toBe(1)
    expect(plan.account.hr).toEqual({ mean: 79.5, max: 99 })
    expect([plan.account.fromMs, plan.account.toMs]).toEqual([night, T0 + 600_000])
  })

  it('stores them in the live series; stages from the HealthKit names', async () => {
    const plan = await planHealthExport(join(dir, 'export.xml'), 'export.xml')
    const stored = await storeHealthExport(join(dir, 'export.xml'), 'export.xml', plan, 'ann', registry, influx)
    expect(stored.points).toBe(135)
    const steps = rowsOf(await influx.query(`SELECT sum("count") FROM steps WHERE "member" = 'ann' AND "source" = 'apple_health'`))[0]!.sum
    expect(steps).toBe(Array.from({ length: 10 }, (_, i) => 100 + i).reduce((a, b) => a + b))
    const stages = rowsOf(await influx.query(`SELECT dur_s, stage FROM sleep WHERE "member" = 'ann'`)).map((r) => [r.stage, r.dur_s])
    expect(stages).toEqual([['in_bed', 600], ['light', 5400], ['deep', 3600], ['rem', 1800], ['awake', 300]])
  })

  it('a file damaged half-way is refused with its line and column before anything is written', async () => {
    const text = healthExport(records)
    const cut = text.indexOf('<Record', text.length / 2)
    await writeFile(join(dir, 'broken.xml'), text.slice(0, cut) + '<Record type="x" <<' + text.slice(cut))
    const err = (await planHealthExport(join(dir, 'broken.xml'), 'broken.xml').catch((e) => e)) as PulselineError
    expect(err.code).toBe('PL_FILE_CORRUPT')
    expect(err.message).toMatch(/^broken\.xml: line \d+, column \d+: not well-formed XML/)
  })
})
