/**
 * The score CLI on series where flat runs and gaps are normal, and the NAB scoring that places it beside
 * published detectors (analytics/scripts/eval-score.ts). The scoring is pinned to the values NAB publishes
 * for its scaled sigmoid (NAB README "Scoring"; Lavin & Ahmad, ICMLA 2015): 0.98661 at a window's left edge,
 * 0.84828 halfway in, 0 at its right edge, −0.98661 one window width past it; standard profile A_FP = 0.11.
 */
import { describe, expect, it } from 'vitest'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSeries, scoreSeries } from '../src/cli/score.js'
import { normalised, scaledSigmoid, scoreFile } from '../scripts/nab/scoring.js'
import { evaluateNab, readNab } from '../scripts/eval-score.js'

const STEP = 300_000
const T0 = Date.UTC(2014, 3, 1)
const times = Array.from({ length: 1000 }, (_, i) => T0 + i * STEP)
const window = { startMs: times[500]!, endMs: times[599]! } // rows 500–599; probation is rows 0–149
const flags = (...rows: number[]) => times.map((_, i) => rows.includes(i))

describe('NAB scoring, standard profile', () => {
  it('the scaled sigmoid has the published values', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5)
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5)
    expect(scaledSigmoid(0)).toBe(0)
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5)
    expect(scaledSigmoid(3)).toBe(-1)
  })

  it('a window found at its left edge earns 1, halfway 0.84828/0.98661, missed −1; only the first detection counts', () => {
    expect(scoreFile(times, flags(), [window]).raw).toBe(-1)
    expect(scoreFile(times, flags(500), [window]).raw).toBeCloseTo(1, 10)
    expect(scoreFile(times, flags(550, 551, 599), [window]).raw).toBeCloseTo(0.84828 / 0.98661, 4)
  })

  it('false positives cost 0.11 before any window, less just after one, nothing in probation', () => {
    expect(scoreFile(times, flags(100), [window]).raw).toBe(-1)
    expect(scoreFile(times, flags(300), [window]).raw).toBeCloseTo(-1.11, 10)
    // 99 rows past the window's right edge is one window width less one (NAB's divisor): σ(1) = −0.98661
    expect(scoreFile(times, flags(500, 698), [window]).raw).toBeCloseTo(1 - 0.11 * 0.98661, 4)
    expect(scoreFile(times, flags(300), []).falsePositives).toBe(1)
  })

  it('normalises the null detector to 0 and a perfect one to 100', () => {
    expect(normalised([scoreFile(times, flags(), [window])])).toBe(0)
    expect(normalised([scoreFile(times, flags(500), [window]), scoreFile(times, flags(), [])])).toBeCloseTo(100, 8)
    expect(normalised([scoreFile(times, flags(), [])])).toBeUndefined()
  })
})

describe('score CLI on any series', () => {
  it('accepts timestamps that repeat, and refuses one that goes back, naming the row', () => {
    expect(parseSeries('timestamp,value\n1000,1\n1000,2\n2000,3\n').map((r) => r.value)).toEqual([1, 2, 3])
    expect(() => parseSeries('timestamp,value\n2000,1\n1000,2\n')).toThrow(/line 3: timestamp 1000 goes back from 2000/)
  })

  it('generic: where flat runs and gaps are normal they are not flagged; in heart rate they are', async () => {
    // A request count: zero most of the time with bursts, and nights where the exporter pauses.
    const rows = Array.from({ length: 2000 }, (_, i) => ({ t: T0 + i * 60_000 + (Math.floor(i / 100) * 600_000), value: i % 40 < 30 ? 0 : 5 + (i % 7) }))
    const generic = await scoreSeries(rows, 'generic')
    const flaggedAtFlat = rows.filter((r, i) => r.value === 0 && i % 40 >= 20 && i % 40 < 30 && generic[i] === 1).length
    expect(flaggedAtFlat).toBe(0)
    expect(generic.filter((_, i) => i % 100 === 0 && i > 0).every((s) => s < 1)).toBe(true) // the regular pauses
    const hr = await scoreSeries(rows.map((r) => ({ ...r, value: 60 + r.value })), 'hr')
    expect(hr[29]).toBe(1) // 30 readings at 60 bpm: a stuck sensor
    // One freeze and one outage in an otherwise lively generic series are flagged.
    const lively = Array.from({ length: 2000 }, (_, i) => ({ t: T0 + i * 60_000 + (i >= 1500 ? 3_600_000 : 0), value: i >= 800 && i < 820 ? 7 : 50 + 10 * Math.sin(i / 5) }))
    const once = await scoreSeries(lively, 'generic')
    expect(once[815]).toBe(1)
    expect(once[1500]).toBe(1)
  }, 60_000)

  it('a NAB-shaped corpus: reads data and labels, finds a labelled spike, beats the null detector', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pl-nab-'))
    const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
    const wave = (i: number) => 50 + 10 * Math.sin((2 * Math.PI * i) / 288)
    const spiky = times.map((t, i) => `${iso(t)},${(i === 560 ? 400 : wave(i)).toFixed(3)}`)
    const calm = times.map((t, i) => `${iso(t)},${wave(i).toFixed(3)}`)
    await mkdir(join(root, 'data/demo'), { recursive: true })
    await mkdir(join(root, 'labels'))
    await writeFile(join(root, 'data/demo/spike.csv'), ['timestamp,value', ...spiky].join('\n'))
    await writeFile(join(root, 'data/demo/calm.csv'), ['timestamp,value', ...calm].join('\n'))
    await writeFile(join(root, 'labels/combined_windows.json'), JSON.stringify({ 'demo/spike.csv': [[`${iso(window.startMs)}.000000`, `${iso(window.endMs)}.000000`]], 'demo/calm.csv': [] }))
    const files = await readNab(root)
    expect(files.map((f) => [f.name, f.rows.length, f.windows.length])).toEqual([
      ['demo/calm.csv', 1000, 0],
      ['demo/spike.csv', 1000, 1],
    ])
    expect(files[1]!.windows[0]).toEqual(window)
    const result = await evaluateNab(files)
    expect(result.perFile.find((p) => p.name === 'demo/spike.csv')!.score.detectedWindows).toBe(1)
    expect(result.total!).toBeGreaterThan(0)
    await rm(root, { recursive: true })
  }, 60_000)
})
