import { describe, expect, it } from 'vitest'
import { StreamDetector } from '../src/anomaly/stream-detector.js'
import { baselineFindings } from '../src/anomaly/baseline.js'
import type { Anomaly, SignalPoint } from '../src/anomaly/types.js'

const t0 = 1_700_000_000_000
/** A plausible strap: HR wandering ±2 around `level`, new RR each second. */
function clean(seconds: number, level = 140, from = 0): SignalPoint[] {
  return Array.from({ length: seconds }, (_, i) => {
    const hr = level + Math.round(2 * Math.sin((from + i) / 3))
    return { t: t0 + (from + i) * 1000, hr, rr: [Math.round(60000 / hr) + (i % 3)] }
  })
}

function run(points: SignalPoint[]): Anomaly[] {
  const d = new StreamDetector()
  const out: Anomaly[] = []
  let clock = points[0]!.t
  for (const p of points) {
    for (clock += 1000; clock < p.t; clock += 1000) out.push(...d.tick(clock))
    clock = p.t
    out.push(...d.observe(p))
  }
  return out
}

describe('stream detector rules', () => {
  it('is silent on a clean stream', () => {
    expect(run(clean(600))).toEqual([])
  })

  it('raises a dropout once, 5 s after the last reading, and clears when data returns', () => {
    const points = [...clean(60), ...clean(60, 140, 90), ...clean(60, 140, 200)]
    const found = run(points).filter((a) => a.type === 'dropout')
    expect(found.map((a) => [(a.startMs - t0) / 1000, (a.detectedMs - t0) / 1000])).toEqual([[59, 64], [149, 154]])
  })

  it('flatline after 15 s of one value; stale after 4 identical notifications with RR', () => {
    const flat = clean(120).map((p, i) => (i >= 60 && i < 100 ? { t: p.t, hr: 150 } : p))
    const f = run(flat)
    expect(f.map((a) => a.type)).toEqual(['flatline'])
    expect((f[0]!.detectedMs - t0) / 1000).toBe(75)

    const repeated = clean(120).map((p, i, all) => (i >= 60 && i < 68 ? { ...all[60]!, t: p.t } : p))
    const s = run(repeated)
    expect(s.map((a) => a.type)).toEqual(['stale'])
    expect((s[0]!.detectedMs - t0) / 1000).toBe(63)
  })

  it('an impossible jump is one episode, with the jump as evidence', () => {
    const spiky = clean(120).map((p, i) => (i >= 50 && i < 53 ? { t: p.t, hr: p.hr + 45 } : p))
    const found = run(spiky)
    expect(found.map((a) => a.type)).toEqual(['impossible_jump'])
    expect(found[0]!.evidence.jumpBpm).toBeGreaterThanOrEqual(43)
  })

  it('cadence lock: HR copying a wandering cadence; not an HR merely near a cadence', () => {
    const cadence = (i: number) => 150 + ((i * 7) % 5) - 2
    const locked = clean(200).map((p, i) => ({ t: p.t, hr: i >= 100 ? cadence(i) : p.hr, cadence: cadence(i) }))
    expect(run(locked).map((a) => a.type)).toEqual(['cadence_lock'])
    // HR within 2 bpm of the cadence but moving on its own: no lock.
    const near = clean(200, 150).map((p, i) => ({ t: p.t, hr: p.hr, cadence: 150 + ((i * 7) % 3) - 1 }))
    expect(run(near)).toEqual([])
  })

  it('workload mismatch: power intervals with an HR that ignores them', () => {
    const power = (i: number) => (Math.floor(i / 30) % 2 ? 250 : 150)
    const following = clean(400, 140).map((p, i) => ({ t: p.t, hr: 130 + (power(i - 20) === 250 ? 12 : 0) + (i % 2), powerW: power(i) }))
    expect(run(following)).toEqual([])
    const ignoring = following.map((p, i) => ({ ...p, hr: 140 + (i % 2) }))
    expect(run(ignoring).map((a) => a.type)).toEqual(['workload_mismatch'])
  })
})

describe('baseline findings', () => {
  it('flag an elevated resting HR and a suppressed RMSSD against the member, not the population', () => {
    const days = Array.from({ length: 40 }, (_, d) => ({
      date: new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10),
      restingHr: 48 + (d % 3) - 1 + (d === 35 ? 9 : 0),
      rmssdMs: 60 * (1 + ((d % 4) - 1.5) * 0.05) * (d === 38 ? 0.5 : 1),
    }))
    const found = baselineFindings(days)
    expect(found.map((f) => [f.date, f.type])).toEqual([
      ['2026-02-05', 'elevated_resting_hr'],
      ['2026-02-08', 'reduced_hrv'],
    ])
    // 58 bpm is unremarkable in the population, and elevated for this member.
    expect(found[0]!.value).toBe(58)
  })
})
