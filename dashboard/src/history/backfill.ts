/**
 * What a reconnecting live client missed: the `effort` series analytics writes each second (HR, zone,
 * % HRmax) for the members of the topic since the client's last message, and the gym's alerts since then.
 * The client merges it before live updates, so a refresh or a Wi-Fi blip leaves no hole in a sparkline.
 * Queries take their ids as bound parameters, never as text.
 */
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { parseWsTopic } from '../live/ws-topics.js'
import type { Backfill } from '../routes/live.js'

export interface BackfillData {
  /** member → [t, hr, zone, pctMax][] oldest first */
  series: Record<string, Array<[number, number, number, number]>>
  anomalies: Array<Record<string, unknown>>
}

export function historyBackfill(influx: InfluxClient): Backfill {
  return async (topic, sinceMs): Promise<BackfillData | null> => {
    const parsed = parseWsTopic(topic)
    if (!parsed) return null
    const since = Math.floor(sinceMs)
    const { gym, member } = parsed.params
    const where = member ? `"member" = $member` : `"gym" = $gym`
    const params: Record<string, string> = member ? { member } : { gym: gym! }
    if (parsed.pattern === 'gym/:gym/nearby') return null
    const series: BackfillData['series'] = {}
    if (parsed.pattern !== 'gym/:gym/anomalies') {
      const results = await influx.query(`SELECT "hr", "zone", "pct_max" FROM "effort" WHERE ${where} AND time > ${since}ms GROUP BY "member"`, params)
      for (const s of results[0]?.series ?? []) {
        const id = s.tags?.member
        if (id) series[id] = s.values.map((r) => [r[0] as number, r[1] as number, r[2] as number, r[3] as number])
      }
    }
    const anomalies = parsed.pattern === 'gym/:gym/class' || parsed.pattern === 'gym/:gym/equipment' ? [] : rowsOf(await influx.query(`SELECT * FROM "anomaly" WHERE ${where} AND time > ${since}ms`, params))
    return { series, anomalies }
  }
}
