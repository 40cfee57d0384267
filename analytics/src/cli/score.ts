/**
 * Scores any univariate series for analysts: `npm run score -- data.csv [--kind hr|generic]`.
 *
 * Input: CSV rows `timestamp,value` (a header row is skipped; timestamps in ms since the epoch or ISO 8601).
 * Output: `timestamp,value,score` with one score in [0, 1] per row: the larger of the learned model's score
 * for the 30-reading window ending at the row and two rules (a gap before the row of more than five typical
 * intervals, or a value unchanged for 15 readings, scores 1). With `--kind hr` (the default) values are bpm:
 * a flat heart rate or a gap is a sensor fault, so both rules always apply, and the physiological jump rule
 * too. With `--kind generic` the series' own habits decide: its variability sets the model's scale, and a
 * rule applies only where what it looks for is rare in this series (under 1 % of readings), since in many
 * series (counts, set points, utilisation at zero) flat runs and gaps are normal. Timestamps may repeat
 * (exports at one-second resolution do); they may not go back.
 */
import { readFile } from 'node:fs/promises'
import { runCommand } from '@pulseline/config'
import { loadModel } from '../anomaly/model/autoencoder.js'
import { HR_SCALE_BPM, robustSd, windows } from '../anomaly/model/features.js'
import { DEFAULT_DETECTOR } from '../anomaly/stream-detector.js'

export interface Row {
  t: number
  value: number
}

export class CsvError extends Error {}

export function parseSeries(text: string): Row[] {
  const rows: Row[] = []
  const lines: number[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return
    const [ts, value, ...rest] = line.split(',').map((c) => c.trim())
    if (i === 0 && Number.isNaN(Number(value))) return // header
    const t = /^\d+$/.test(ts ?? '') ? Number(ts) : Date.parse(ts ?? '')
    const v = Number(value)
    if (rest.length > 0 || !Number.isFinite(t) || value === undefined || value === '' || !Number.isFinite(v))
      throw new CsvError(`line ${i + 1}: expected "timestamp,value", got "${line.slice(0, 80)}"`)
    rows.push({ t, value: v })
    lines.push(i + 1)
  })
  for (let i = 1; i < rows.length; i++) if (rows[i]!.t < rows[i - 1]!.t) throw new CsvError(`line ${lines[i]}: timestamp ${rows[i]!.t} goes back from ${rows[i - 1]!.t}; sort the file by time`)
  return rows
}

/**
 * In a generic series a flat run or a gap is unusual, and worth flagging, when it happens at most this many
 * times and covers under 1 % of the readings: a series that pauses every night or sits at zero for hours
 * does so normally.
 */
const RARE_TIMES = 2
const RARE_SHARE = 0.01
const FLAT_RUN = 15
const GAP_INTERVALS = 5

export async function scoreSeries(rows: readonly Row[], kind: 'hr' | 'generic'): Promise<number[]> {
  const model = await loadModel()
  const values = rows.map((r) => r.value)
  const diffs = values.slice(1).map((v, i) => v - values[i]!)
  const scale = kind === 'hr' ? HR_SCALE_BPM : HR_SCALE_BPM * (Math.max(robustSd(diffs), 1e-9) / model.calibration.diffSd)
  const modelScores = await model.score(windows(values, values.map((_, i) => i), scale))
  const intervals = rows.slice(1).map((r, i) => r.t - rows[i]!.t)
  const positive = intervals.filter((d) => d > 0).sort((a, b) => a - b)
  const typical = positive[positive.length >> 1] ?? 0
  const gapAt = intervals.map((d) => typical > 0 && d > GAP_INTERVALS * typical)
  const flatRun = runLengths(values)
  const flatAt = flatRun.map((n) => n >= FLAT_RUN)
  const rare = (flags: readonly boolean[]) => {
    const times = flags.filter((f, i) => f && !flags[i - 1]).length
    return times <= RARE_TIMES && flags.filter(Boolean).length < RARE_SHARE * flags.length
  }
  const flatRule = kind === 'hr' || rare(flatAt)
  const gapRule = kind === 'hr' || rare(gapAt)
  const jump = DEFAULT_DETECTOR.jump
  return rows.map((r, i) => {
    let score = i >= 29 ? modelScores[i]! : 0
    if (flatRule && flatAt[i]) score = 1
    if (gapRule && i > 0 && gapAt[i - 1]) score = 1
    if (kind === 'hr' && (r.value < jump.minHr || r.value > jump.maxHr)) score = 1
    if (kind === 'hr' && i > 0 && Math.abs(values[i]! - values[i - 1]!) >= jump.maxJumpBpm && intervals[i - 1]! <= jump.withinS * 1000) score = 1
    return score
  })
}

/** For each reading, how many readings in a row (itself included) have had its value. */
function runLengths(values: readonly number[]): number[] {
  const out: number[] = []
  values.forEach((v, i) => out.push(i > 0 && v === values[i - 1] ? out[i - 1]! + 1 : 1))
  return out
}

const USAGE = `usage: npm run score -- <file.csv> [--kind hr|generic]

Scores each row of a univariate series (CSV rows "timestamp,value"; a header row is skipped; timestamps in ms
since the epoch or ISO 8601, never going back) from 0 to 1, and writes "timestamp,value,score" to standard output.

  --kind hr         values are heart rates in bpm: physiological limits and jumps apply (the default)
  --kind generic    any series: its own variability sets the scale, and flat runs and gaps count only
                    where they are rare in it
  --help            this text`

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCommand('score', USAGE, { allowPositionals: true, options: { kind: { type: 'string', default: 'hr' }, help: { type: 'boolean' } } } as const, async ({ values, positionals }) => {
    const kind = values.kind
    if (positionals.length !== 1) throw new Error(`give exactly one CSV file\n\n${USAGE}`)
    if (kind !== 'hr' && kind !== 'generic') throw new Error(`--kind is hr or generic, not ${JSON.stringify(kind)}`)
    const rows = parseSeries(await readFile(positionals[0]!, 'utf8'))
    const scores = await scoreSeries(rows, kind)
    process.stdout.write('timestamp,value,score\n' + rows.map((r, i) => `${r.t},${r.value},${scores[i]!.toFixed(4)}`).join('\n') + '\n')
  })
}
