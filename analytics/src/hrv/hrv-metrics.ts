/**
 * Time-domain HRV over a window of filtered intervals (Task Force of the ESC and NASPE, Circulation 1996):
 *   RMSSD  √(mean of squared successive differences), ms
 *   SDNN   standard deviation of NN intervals (sample SD, n − 1, as Kubios reports it), ms
 *   pNN50  percentage of successive differences greater than 50 ms
 * A window with fewer than `minBeats` accepted intervals gives null: two minutes at rest is about 120 beats;
 * the live path uses 60 s windows, the short-term minimum that still tracks RMSSD well (Munoz et al., PLoS
 * One 2015;10:e0138921: 10 s to 60 s recordings agree with 5 min ones for RMSSD).
 */
import { filterRr, DEFAULT_RR_FILTER, type RrFilterOptions } from './rr-filter.js'

export interface Hrv {
  rmssdMs: number
  sdnnMs: number
  pnn50: number
  beats: number
  rejected: number
}

export function hrvOf(rr: readonly number[], minBeats = 30, filter: RrFilterOptions = DEFAULT_RR_FILTER): Hrv | null {
  const { nn, successiveDiffs, rejected } = filterRr(rr, filter)
  if (nn.length < minBeats || successiveDiffs.length < 2) return null
  const mean = nn.reduce((s, v) => s + v, 0) / nn.length
  const sdnn = Math.sqrt(nn.reduce((s, v) => s + (v - mean) ** 2, 0) / (nn.length - 1))
  const rmssd = Math.sqrt(successiveDiffs.reduce((s, d) => s + d * d, 0) / successiveDiffs.length)
  const pnn50 = (100 * successiveDiffs.filter((d) => Math.abs(d) > 50).length) / successiveDiffs.length
  return { rmssdMs: rmssd, sdnnMs: sdnn, pnn50, beats: nn.length, rejected }
}
