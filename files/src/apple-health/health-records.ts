/**
 * Apple Health's `export.xml` (Health app → profile → Export All Health Data), streamed: the export is one
 * flat list of <Record> elements and real ones run to gigabytes. Kept: heart rate
 * (HKQuantityTypeIdentifierHeartRate, count/min, at its start date), steps (HKQuantityTypeIdentifierStepCount,
 * counted over start–end) and sleep analysis (HKCategoryTypeIdentifierSleepAnalysis, one epoch per record, the
 * stage from its HKCategoryValueSleepAnalysis name through the HealthKit codes in protocol/sleep-stages.ts).
 * Dates are written "2026-11-02 07:00:05 +0100" (local time with its offset).
 */
import { fromHealthKit, type Sample } from '@pulseline/protocol'
import { corruptFile } from '../file-error.js'
import { readXml } from '../xml/read-xml.js'

/** HKCategoryValueSleepAnalysis names in export.xml → HealthKit's codes (iOS 16+; "Asleep" before iOS 16). */
const SLEEP_CODE: Record<string, number> = {
  HKCategoryValueSleepAnalysisInBed: 0,
  HKCategoryValueSleepAnalysisAsleepUnspecified: 1,
  HKCategoryValueSleepAnalysisAsleep: 1,
  HKCategoryValueSleepAnalysisAwake: 2,
  HKCategoryValueSleepAnalysisAsleepCore: 3,
  HKCategoryValueSleepAnalysisAsleepDeep: 4,
  HKCategoryValueSleepAnalysisAsleepREM: 5,
}

const HEART_RATE = 'HKQuantityTypeIdentifierHeartRate'
const STEPS = 'HKQuantityTypeIdentifierStepCount'
const SLEEP = 'HKCategoryTypeIdentifierSleepAnalysis'

/** "2026-11-02 07:00:05 +0100" → ms since the epoch; NaN for anything else. */
export function healthDate(text: string | undefined): number {
  if (!text || text.length !== 25 || text[10] !== ' ' || text[19] !== ' ') return Number.NaN
  const local = Date.UTC(+text.slice(0, 4), +text.slice(5, 7) - 1, +text.slice(8, 10), +text.slice(11, 13), +text.slice(14, 16), +text.slice(17, 19))
  const sign = text[20] === '-' ? -1 : text[20] === '+' ? 1 : Number.NaN
  return local - sign * (+text.slice(21, 23) * 60 + +text.slice(23, 25)) * 60_000
}

export interface HealthExportStats {
  records: number
}

/** Calls `onSample` for every kept record, with the app or device that wrote it (sourceName). */
export async function readHealthExport(source: string | AsyncIterable<string | Buffer>, file: string, onSample: (sample: Sample, sourceName: string) => void, afterChunk?: () => Promise<void>): Promise<HealthExportStats> {
  let records = 0
  let root = false
  await readXml(
    source,
    file,
    {
      open(e, depth) {
        if (depth === 1) {
          if (e.local !== 'HealthData') throw corruptFile(file, 'root element', `expected Apple Health's HealthData, found ${e.local}`)
          root = true
          return
        }
        if (depth !== 2 || e.local !== 'Record') return
        records++
        const type = e.attribute('type')
        const sourceName = e.attribute('sourceName') ?? 'unknown'
        if (type === HEART_RATE) {
          onSample({ kind: 'hr', t: healthDate(e.attribute('startDate')), bpm: Math.round(Number(e.attribute('value'))) }, sourceName)
        } else if (type === STEPS) {
          const start = healthDate(e.attribute('startDate'))
          const end = healthDate(e.attribute('endDate'))
          // A count over an instant is taken as over one second, the smallest interval a steps sample has.
          onSample({ kind: 'steps', t: end, count: Math.round(Number(e.attribute('value'))), interval_s: Math.max(1, Math.round((end - start) / 1000)) }, sourceName)
        } else if (type === SLEEP) {
          const stage = fromHealthKit(SLEEP_CODE[e.attribute('value') ?? ''] ?? -1)
          const start = healthDate(e.attribute('startDate'))
          if (stage) onSample({ kind: 'sleep', t: start, stage, dur_s: Math.round((healthDate(e.attribute('endDate')) - start) / 1000) }, sourceName)
        }
      },
    },
    afterChunk,
  )
  if (!root) throw corruptFile(file, 'line 1', 'no HealthData root element')
  return { records }
}
