/**
 * Fitbit's account data export (Fitbit app → Settings → Data export; the same files in Google Takeout's
 * "Fitbit" folder): one JSON file per kind and period, an array of records.
 *
 *   heart_rate-YYYY-MM-DD.json   [{ "dateTime": "11/02/26 07:00:05", "value": { "bpm": 62, "confidence": 2 } }]
 *   steps-YYYY-MM-DD.json        [{ "dateTime": "11/02/26 07:01:00", "value": "12" }]       steps in that minute
 *   sleep-YYYY-MM-DD.json        [{ "logId": …, "startTime": "2026-11-01T23:46:00.000", "type": "stages",
 *                                   "levels": { "data": [{ "dateTime": "…", "level": "light", "seconds": 360 }] } }]
 *
 * Times carry no zone. Heart rate and steps are read as UTC and sleep as the member's local time, as users of
 * the export report them (sleep logs say "startTime" in the time the member went to bed); `zone` overrides both
 * for exports that differ. Sleep levels: stages (wake, light, deep, rem) or, for older devices, classic
 * (asleep, restless, awake; restless counts as awake, as Fitbit's app counts it).
 */
import type { Sample, SleepStage } from '@pulseline/protocol'
import type { DecodedFile } from '../decoded-file.js'
import { corruptFile, notImportable } from '../file-error.js'

const STAGE_OF_LEVEL: Record<string, SleepStage> = { wake: 'awake', light: 'light', deep: 'deep', rem: 'rem', asleep: 'asleep', restless: 'awake', awake: 'awake' }

export interface FitbitZones {
  /** IANA zone the heart rate and steps times are in ('UTC' by default). */
  intraday: string
  /** IANA zone the sleep times are in (the member's). */
  sleep: string
}

/** Wall-clock fields in a zone → ms since the epoch (the offset looked up for that instant, twice for DST edges). */
export function zonedTime(year: number, month: number, day: number, hour: number, minute: number, second: number, zone: string): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second)
  const offset = (t: number) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(t).map((p) => [p.type, p.value]))
    return Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!) - t
  }
  const first = asUtc - offset(asUtc)
  return asUtc - offset(first)
}

/** "11/02/26 07:00:05" (MM/DD/YY, intraday files) or "2026-11-01T23:46:00.000" (sleep logs); NaN otherwise. */
export function fitbitTime(text: unknown, zone: string): number {
  if (typeof text !== 'string') return Number.NaN
  let m = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text)
  if (m) return zonedTime(2000 + +m[3]!, +m[1]!, +m[2]!, +m[4]!, +m[5]!, +m[6]!, zone)
  m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?$/.exec(text)
  if (m) return zonedTime(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, zone)
  return Number.NaN
}

type Json = Record<string, unknown>

/** What kind of Fitbit file a parsed JSON array is, from its first record; undefined for anything else. */
export function fitbitKind(records: unknown): 'heart_rate' | 'steps' | 'sleep' | undefined {
  if (!Array.isArray(records) || records.length === 0 || typeof records[0] !== 'object' || records[0] === null) return undefined
  const first = records[0] as Json
  if (typeof first.logId === 'number' && typeof first.levels === 'object') return 'sleep'
  if (typeof first.dateTime !== 'string') return undefined
  if (typeof first.value === 'object' && first.value !== null && 'bpm' in first.value) return 'heart_rate'
  if (typeof first.value === 'string' || typeof first.value === 'number') return 'steps'
  return undefined
}

export function decodeFitbit(text: string, file: string, zones: FitbitZones): DecodedFile {
  let records: unknown
  try {
    records = JSON.parse(text)
  } catch (err) {
    // JSON.parse names the position ("… at position 1234"): that is the place.
    const position = /position (\d+)/.exec((err as Error).message)?.[1]
    throw corruptFile(file, position ? `byte ${position}` : 'data', `not well-formed JSON: ${(err as Error).message}`)
  }
  const kind = fitbitKind(records)
  if (!kind) throw notImportable(file, 'a JSON file, but not a Fitbit heart_rate, steps or sleep export')
  const samples: Sample[] = []
  for (const [i, record] of (records as Json[]).entries()) {
    if (typeof record !== 'object' || record === null) throw corruptFile(file, `record ${i + 1}`, 'not an object')
    if (kind === 'heart_rate') {
      samples.push({ kind: 'hr', t: fitbitTime(record.dateTime, zones.intraday), bpm: Number((record.value as Json | undefined)?.bpm) })
    } else if (kind === 'steps') {
      const count = Number(record.value)
      if (count > 0) samples.push({ kind: 'steps', t: fitbitTime(record.dateTime, zones.intraday) + 60_000, count, interval_s: 60 })
    } else {
      const data = ((record.levels as Json | undefined)?.data ?? []) as Json[]
      if (!Array.isArray(data)) throw corruptFile(file, `record ${i + 1}`, 'levels.data is not a list')
      for (const level of data) {
        if (typeof level !== 'object' || level === null) throw corruptFile(file, `record ${i + 1}`, 'a sleep level is not an object')
        const stage = STAGE_OF_LEVEL[String(level.level)]
        if (stage) samples.push({ kind: 'sleep', t: fitbitTime(level.dateTime, zones.sleep), stage, dur_s: Number(level.seconds) })
      }
    }
  }
  return { format: 'fitbit', device: { maker: 'Fitbit', product: null, serial: null }, samples, laps: 0 }
}
