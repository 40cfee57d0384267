import { describe, expect, it } from 'vitest'
import { EPOCH_S, createRandom, planGym, simulateNight, type SimDevice } from '../src/index.js'
import type { HeartRateSample, Sample } from '@pulseline/protocol'
import { DEFAULT_VALIDATE_OPTIONS, validatePayload } from '@pulseline/protocol'

const start = Date.UTC(2026, 0, 5, 18, 0, 0)

function run(device: SimDevice, seconds: number): Sample[] {
  return device.samplesUntil(start + seconds * 1000)
}

function rmssd(rr: number[]): number {
  let sum = 0
  for (let i = 1; i < rr.length; i++) sum += (rr[i]! - rr[i - 1]!) ** 2
  return Math.sqrt(sum / (rr.length - 1))
}

describe('simulated physiology', () => {
  const plan = planGym({ seed: 7, gym: 'g', members: 5, machines: 3, startMs: start })
  const strap = plan.devices.find((d) => d.kind === 'strap')!
  const samples = run(strap, 2700)
  const hr = samples.filter((s): s is HeartRateSample => s.kind === 'hr')
  const person = plan.members.find((m) => m.id === strap.memberId)!.person

  it('produces valid samples only', () => {
    const all = plan.devices.flatMap((d) => run(d, 2700))
    const result = validatePayload(JSON.stringify({ v: 1, samples: all }), { ...DEFAULT_VALIDATE_OPTIONS, maxSamples: 1e6, now: start + 2700e3 })
    expect(result.rejected).toEqual([])
    expect(result.accepted.length).toBe(all.length)
  })

  it('HR rises with the class, lags the workload, and recovers afterwards', () => {
    const at = (s: number) => hr[s - 1]!.bpm
    expect(at(60)).toBeLessThan(person.restHr + 0.35 * (person.maxHr - person.restHr))
    // the hard 4-minute block starts at 2100 s: HR keeps climbing for tens of seconds after the step
    expect(at(2110)).toBeLessThan(at(2160))
    expect(at(2160)).toBeLessThan(at(2390))
    expect(at(2390)).toBeGreaterThan(person.restHr + 0.7 * (person.maxHr - person.restHr))
    // the cool-down brings it back down
    expect(at(2699)).toBeLessThan(at(2390) - 25)
  })

  it('RR intervals agree with HR, with more variability at rest than in hard effort', () => {
    for (const s of hr.filter((x) => x.rr_ms)) {
      const mean = s.rr_ms!.reduce((a, b) => a + b, 0) / s.rr_ms!.length
      expect(Math.abs(60000 / mean - s.bpm)).toBeLessThanOrEqual(1)
    }
    const rrOf = (from: number, to: number) => hr.slice(from, to).flatMap((s) => s.rr_ms ?? [])
    const rest = rmssd(rrOf(0, 60))
    const hard = rmssd(rrOf(2250, 2390))
    expect(rest).toBeGreaterThan(10)
    expect(rest).toBeLessThan(120)
    expect(hard).toBeLessThan(rest / 2)
  })

  it('steps agree with cadence', () => {
    const watch = planGym({ seed: 7, gym: 'g', members: 5, machines: 0, startMs: start, watchEvery: 1 }).devices[0]!
    const steps = run(watch, 2700).filter((s) => s.kind === 'steps')
    expect(steps.length).toBe(270)
    for (const s of steps) if (s.kind === 'steps') expect(s.count! / s.interval_s!).toBeLessThanOrEqual(170 / 60 + 0.2)
    const last = steps.at(-1)
    expect(last?.kind === 'steps' && last.total).toBe(steps.reduce((a, s) => a + (s.kind === 'steps' ? s.count! : 0), 0))
  })

  it('is deterministic from the seed', () => {
    const fingerprint = (seed: number) =>
      planGym({ seed, gym: 'g', members: 5, machines: 3, startMs: start }).devices.map((d) => JSON.stringify(run(d, 600)))
    const a = fingerprint(7)
    expect(a.every((x) => x.length > 1000)).toBe(true)
    expect(fingerprint(7).join()).toBe(a.join())
    expect(fingerprint(8)[0]).not.toBe(a[0])
  })

  it('sleep runs in roughly 90-minute cycles, deep early and REM late', () => {
    const night = simulateNight(createRandom(3, 'night'))
    expect(night.epochs.length).toBe((8 * 3600) / EPOCH_S)
    const mean = night.cycleLengthsMin.reduce((a, b) => a + b, 0) / night.cycleLengthsMin.length
    expect(mean).toBeGreaterThan(80)
    expect(mean).toBeLessThan(110)
    const half = night.epochs.length / 2
    const count = (stage: string, from: number, to: number) => night.epochs.slice(from, to).filter((s) => s === stage).length
    expect(count('deep', 0, half)).toBeGreaterThan(count('deep', half, night.epochs.length))
    expect(count('rem', half, night.epochs.length)).toBeGreaterThan(count('rem', 0, half))
    expect(night.epochs[0]).toBe('awake')
  })
})
