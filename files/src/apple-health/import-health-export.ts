/**
 * An Apple Health export, imported in two streamed passes so that memory stays bounded whatever the file's
 * size and a file damaged half-way writes nothing: the first pass reads it whole, validates and counts; the
 * second writes. The Health app keeps overlapping records from the phone, the watch and apps (steps counted
 * by both phone and watch); Pulseline keeps, for each kind, the one source with the most records, so that
 * nothing is counted twice.
 */
import { createReadStream } from 'node:fs'
import { PulselineError, type SampleKind } from '@pulseline/protocol'
import type { Registry } from '@pulseline/registry'
import type { SourceDevice } from '../decoded-file.js'
import { ImportTally, type ImportAccount } from '../plan-import.js'
import { ImportWriter, announceImport, importTarget, type LineWriter, type StoredImport } from '../store-import.js'
import { readHealthExport } from './health-records.js'

export const HEALTH_DEVICE: SourceDevice = { maker: 'Apple Health', product: null, serial: null }

/** 1 MiB reads: large enough for speed, and what a pass holds at once. */
const CHUNK_BYTES = 1 << 20

export interface HealthExportPlan {
  account: ImportAccount
  tally: ImportTally
  /** The source kept for each kind. */
  sources: Partial<Record<SampleKind, string>>
}

export async function planHealthExport(path: string, file: string, nowMs = Date.now()): Promise<HealthExportPlan> {
  const perSource = new Map<string, number>()
  const tally = new ImportTally(nowMs)
  // The account counts only what the chosen sources keep, so it is computed per source first.
  const tallies = new Map<string, ImportTally>()
  await readHealthExport(createReadStream(path, { highWaterMark: CHUNK_BYTES }), file, (sample, source) => {
    const key = `${sample.kind}\u0000${source}`
    let t = tallies.get(key)
    if (!t) tallies.set(key, (t = new ImportTally(nowMs)))
    if (t.take(sample)) perSource.set(key, (perSource.get(key) ?? 0) + 1)
  })
  const sources: HealthExportPlan['sources'] = {}
  const best = new Map<string, number>()
  for (const [key, n] of perSource) {
    const [kind, source] = key.split('\u0000') as [SampleKind, string]
    if (n > (best.get(kind) ?? 0)) {
      best.set(kind, n)
      sources[kind] = source
    }
  }
  // A second, in-memory pass over nothing: the chosen sources' tallies merged into one account.
  for (const [key, t] of tallies) {
    const [kind, source] = key.split('\u0000') as [SampleKind, string]
    if (sources[kind] === source || !perSource.has(key)) tally.merge(t)
  }
  return { account: tally.account(file, 'apple_health', HEALTH_DEVICE, 0), tally, sources }
}

export async function storeHealthExport(path: string, file: string, plan: HealthExportPlan, member: string, registry: Registry, influx: LineWriter, nowMs = Date.now()): Promise<StoredImport> {
  if (plan.tally.accepted === 0) throw new PulselineError('PL_FILE_EMPTY', file, plan.tally.describeRefused())
  const target = await importTarget(registry, member, file, 'apple_health', HEALTH_DEVICE)
  const writer = new ImportWriter(influx, target.tags)
  const check = new ImportTally(nowMs)
  await readHealthExport(
    createReadStream(path, { highWaterMark: CHUNK_BYTES }),
    file,
    (sample, source) => {
      if (plan.sources[sample.kind] === source && check.take(sample)) writer.add(sample)
    },
    () => writer.flush(),
  )
  await writer.flush(true)
  await announceImport(registry, member, check.span, `apple_health ${writer.points}`)
  return { device: target.device, points: writer.points, createdDevice: target.createdDevice }
}
