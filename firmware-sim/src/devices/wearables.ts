/**
 * Wearables: a chest strap (HR with RR intervals, the ECG-grade source) and a wrist watch (optical HR,
 * no RR, plus steps). Both report battery once a minute.
 */
import type { Sample } from '@pulseline/protocol'
import type { SimMember } from '../member.js'
import { createRandom, type Random } from '../random.js'
import { PeriodicDevice } from './device.js'

const STATUS_EVERY_MS = 60_000

export class ChestStrap extends PeriodicDevice {
  readonly kind = 'strap' as const
  private battery: number

  constructor(id: string, private readonly member: SimMember, startMs: number, seed: number, periodMs = 1000) {
    super(id, member.id, startMs, periodMs)
    this.battery = createRandom(seed, `battery:${id}`).int(40, 100)
  }

  protected sampleAt(t: number): Sample[] {
    this.member.advanceTo(t)
    const rr = this.member.beatsUntil(t)
    // The strap computes HR from the same beats it reports, so the two always agree.
    const bpm = rr.length > 0 ? Math.round(60000 / (rr.reduce((a, b) => a + b, 0) / rr.length)) : Math.round(this.member.hrAt(t))
    const out: Sample[] = [rr.length > 0 ? { kind: 'hr', t, bpm, rr_ms: rr, contact: true } : { kind: 'hr', t, bpm, contact: true }]
    if (t % STATUS_EVERY_MS < this.period) {
      this.battery = Math.max(1, this.battery - 0.05)
      out.push({ kind: 'status', t, battery_pct: Math.round(this.battery), link: 'connected' })
    }
    return out
  }
}

export class Watch extends PeriodicDevice {
  readonly kind = 'watch' as const
  private readonly random: Random
  private steps = 0
  private stepFraction = 0
  private stepsInInterval = 0

  constructor(id: string, private readonly member: SimMember, startMs: number, seed: number, private readonly periodMs = 1000) {
    super(id, member.id, startMs, periodMs)
    this.random = createRandom(seed, `watch:${id}`)
  }

  /** Steps per minute for the member's intensity: walking between sets up to running pace. */
  cadence(t?: number): number {
    const i = t === undefined ? this.member.intensity : this.member.intensityAt(t)
    return i < 0.2 ? 0 : 95 + 75 * Math.min(1, i)
  }

  protected sampleAt(t: number): Sample[] {
    this.member.advanceTo(t)
    const stepsNow = (this.cadence(t) / 60) * (this.periodMs / 1000) + this.stepFraction
    const whole = Math.floor(stepsNow)
    this.stepFraction = stepsNow - whole
    this.steps += whole
    this.stepsInInterval += whole
    const out: Sample[] = [{ kind: 'hr', t, bpm: Math.round(this.member.hrAt(t) + this.random.normal(0, 1)) }]
    if (t % 10_000 < this.period) {
      out.push({ kind: 'steps', t, total: this.steps, count: this.stepsInInterval, interval_s: 10 })
      this.stepsInInterval = 0
    }
    if (t % STATUS_EVERY_MS < this.period) out.push({ kind: 'status', t, battery_pct: 80, link: 'connected' })
    return out
  }
}
