/**
 * Members' files (npm run bench -- --only files): a 3-hour ride at 1 Hz as a FIT file (heart rate, power,
 * cadence, speed, distance: 10,800 records) imported end to end into InfluxDB (decode, validate, write), and
 * an Apple Health export of `records` records imported in its two streamed passes by a child process whose
 * peak RSS is read from the kernel (getrusage), so that "memory bounded" is a figure. Medians of `runs`.
 */
import { execFile } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { InfluxClient, rowsOf } from '@pulseline/influx'
import { SqliteRegistry, type Registry } from '@pulseline/registry'
import { decodeMemberFile, planImport, storeImport } from '@pulseline/files'
import { encodeActivity } from '../files/src/fit/encode-fit.js'
import { planHealthExport, storeHealthExport } from '../files/src/apple-health/import-health-export.js'
import { HEALTH_HEAD, healthRecordXml } from '../files/test/fixtures.js'
import { median } from './proc.js'

const run = promisify(execFile)

async function memberRegistry(): Promise<Registry> {
  const registry = SqliteRegistry.open(':memory:')
  await registry.createGym({ id: 'bench', name: 'Bench', timezone: 'UTC' })
  await registry.createUser({ id: 'ann', gymId: 'bench', role: 'member', displayName: 'Ann', login: null })
  return registry
}

function threeHourRide(): Uint8Array {
  const start = Date.now() - 86_400_000
  let distance = 0
  const records = Array.from({ length: 3 * 3600 }, (_, i) => {
    const speedKmh = 28 + 6 * Math.sin(i / 300)
    distance += speedKmh / 3.6
    return { t: start + i * 1000, hr: 120 + Math.round(30 * Math.sin(i / 900)), power: 180 + Math.round(60 * Math.sin(i / 120)), cadence: 88, speedKmh, distanceM: Math.round(distance) }
  })
  return encodeActivity({ sport: 'cycling', startMs: start, endMs: start + 3 * 3600_000, records, creator: { manufacturer: 'garmin', product: 3121, serial: 123_456_789 } })
}

async function writeHealthExport(path: string, records: number): Promise<void> {
  const out = createWriteStream(path)
  out.write(HEALTH_HEAD)
  const t0 = Date.now() - records * 5000
  for (let i = 0; i < records; i++) {
    // As a watch writes them: heart rate every 5 s, a steps count a minute, a sleep epoch now and then.
    const r =
      i % 10 === 0
        ? healthRecordXml({ type: 'HKQuantityTypeIdentifierStepCount', source: 'Watch', startMs: t0 + i * 5000 - 60_000, endMs: t0 + i * 5000, value: 40 + (i % 60) })
        : i % 97 === 0
          ? healthRecordXml({ type: 'HKCategoryTypeIdentifierSleepAnalysis', source: 'Watch', startMs: t0 + i * 5000, endMs: t0 + i * 5000 + 30_000, value: 'HKCategoryValueSleepAnalysisAsleepCore' })
          : healthRecordXml({ type: 'HKQuantityTypeIdentifierHeartRate', source: 'Watch', startMs: t0 + i * 5000, endMs: t0 + i * 5000, value: 55 + (i % 70) })
    if (!out.write(r)) await once(out, 'drain')
  }
  out.end('</HealthData>\n')
  await once(out, 'finish')
}

interface HealthFigures {
  planS: number
  storeS: number
  points: number
  maxRssMiB: number
}

/** The child: both passes of one export into a fresh database; prints its figures as JSON. */
async function healthChild(path: string, url: string): Promise<void> {
  const influx = new InfluxClient({ url, database: `bench_files_${randomBytes(3).toString('hex')}` })
  await influx.ensureDatabase()
  const registry = await memberRegistry()
  let t = performance.now()
  const plan = await planHealthExport(path, 'export.xml')
  const planS = (performance.now() - t) / 1000
  t = performance.now()
  const stored = await storeHealthExport(path, 'export.xml', plan, 'ann', registry, influx)
  const storeS = (performance.now() - t) / 1000
  await influx.query(`DROP DATABASE "${influx.options.database}"`, {}, 'POST')
  await Promise.all([influx.close(), registry.close()])
  const figures: HealthFigures = { planS, storeS, points: stored.points, maxRssMiB: process.resourceUsage().maxRSS / 1024 }
  console.log(JSON.stringify(figures))
}

export async function filesBench(url: string, log: (line: string) => void, runs: number, healthRecords: number): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-bench-files-'))
  try {
    const fit = threeHourRide()
    const fitS: number[] = []
    for (let r = 1; r <= runs; r++) {
      log(`run ${r}/${runs}: a 3-hour 1 Hz ride as FIT (${(fit.length / 1024).toFixed(0)} KiB) into InfluxDB`)
      const influx = new InfluxClient({ url, database: `bench_fit_${randomBytes(3).toString('hex')}` })
      await influx.ensureDatabase()
      const registry = await memberRegistry()
      const t = performance.now()
      const stored = await storeImport(planImport('ride.fit', await decodeMemberFile(fit, 'ride.fit')), 'ann', registry, influx)
      fitS.push((performance.now() - t) / 1000)
      const count = rowsOf(await influx.query('SELECT count(bpm) FROM hr'))[0]!.count
      if (count !== 10_800 || stored.points !== 21_600) throw new Error(`FIT import stored ${count} heart rates of 10,800`)
      await influx.query(`DROP DATABASE "${influx.options.database}"`, {}, 'POST')
      await Promise.all([influx.close(), registry.close()])
    }
    const path = join(dir, 'export.xml')
    log(`writing an Apple Health export of ${healthRecords.toLocaleString('en-US')} records`)
    await writeHealthExport(path, healthRecords)
    const bytes = (await stat(path)).size
    const health: HealthFigures[] = []
    for (let r = 1; r <= runs; r++) {
      log(`run ${r}/${runs}: Apple Health export (${(bytes / 2 ** 20).toFixed(0)} MiB), both passes, in a child process`)
      const { stdout } = await run(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, 'health-child', path, url], { maxBuffer: 1 << 20 })
      health.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as HealthFigures)
    }
    // The same export at a fifth of the size, once: a peak RSS that does not grow with the file is "bounded".
    const smallPath = join(dir, 'small.xml')
    await writeHealthExport(smallPath, Math.round(healthRecords / 5))
    const small = JSON.parse((await run(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, 'health-child', smallPath, url], { maxBuffer: 1 << 20 })).stdout.trim().split('\n').at(-1)!) as HealthFigures
    const med = (f: (h: HealthFigures) => number) => median(health.map(f))
    const rate = (h: HealthFigures) => healthRecords / h.planS
    return [
      '',
      `Members' files: a 3-hour ride at 1 Hz as FIT (${(fit.length / 1024).toFixed(0)} KiB, 10,800 records of heart rate, power, cadence, speed and distance) imported into InfluxDB (decode through the FIT SDK, validation, 21,600 points written) in **${(median(fitS) * 1000).toFixed(0)} ms** (runs ${fitS.map((s) => (s * 1000).toFixed(0)).join(' / ')}; target well under a second). ` +
        `An Apple Health export.xml of ${healthRecords.toLocaleString('en-US')} records (${(bytes / 2 ** 20).toFixed(0)} MiB) read and validated at **${Math.round(median(health.map(rate))).toLocaleString('en-US')} records/s** (runs ${health.map((h) => Math.round(rate(h)).toLocaleString('en-US')).join(' / ')}; target ≥ 100,000), ` +
        `then read again and written (${med((h) => h.points).toLocaleString('en-US')} points) in ${med((h) => h.storeS).toFixed(1)} s; the importing process's peak RSS ${med((h) => h.maxRssMiB).toFixed(0)} MiB (runs ${health.map((h) => h.maxRssMiB.toFixed(0)).join(' / ')}) for a file ${(bytes / 2 ** 20).toFixed(0)} MiB long, and ${small.maxRssMiB.toFixed(0)} MiB for the same export at a fifth of the size.`,
    ]
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'health-child') await healthChild(process.argv[3]!, process.argv[4]!)
