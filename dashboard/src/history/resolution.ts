/**
 * How finely to read a time range: about `points` buckets over the range, rounded to a nice interval, and
 * which series to read. Up to six hours, the raw 1 Hz samples (GROUP BY time of at least 1 s); beyond, the
 * 1-minute rollups analytics writes, so a year of history never scans a year of raw samples.
 */
const NICE_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800]
export const RAW_LIMIT_MS = 6 * 3_600_000

export interface Resolution {
  intervalS: number
  /** `raw` reads hr/equipment; `rollup` reads hr_1m/equipment_1m. */
  source: 'raw' | 'rollup'
}

export function resolutionFor(fromMs: number, toMs: number, points = 600): Resolution {
  const source = toMs - fromMs <= RAW_LIMIT_MS ? 'raw' : 'rollup'
  const wanted = (toMs - fromMs) / 1000 / points
  const floor = source === 'rollup' ? 60 : 1
  const intervalS = NICE_S.find((n) => n >= Math.max(wanted, floor)) ?? 604800
  return { intervalS, source }
}
