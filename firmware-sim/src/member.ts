/**
 * A simulated member in a class: one Person whose heart is stepped once per simulated second, shared by
 * every device the member wears or rides, so that the strap, the watch and the bike all tell one story.
 * Devices read the member's state *at their sample's time* (`hrAt`, `intensityAt`) from a bounded trace,
 * so a device that samples behind another (a replay generating the bike's seconds before the strap's)
 * still sees each second's own heart rate, not the latest one.
 */
import { createRandom, type Random } from './random.js'
import { randomPerson, type Person } from './physiology/person.js'
import { beatsUntil, restingHeart, stepHeart, type HeartState } from './physiology/heart.js'
import { classIntensity } from './physiology/workout.js'

export class SimMember {
  readonly person: Person
  private readonly heart: HeartState
  private readonly random: Random
  private clockMs: number
  private intensityNow = 0
  /** HR and intensity after each simulated second; trace[i] is the state at second i + 1 + traceOffset. */
  private readonly trace: Array<{ hr: number; intensity: number }> = []
  private traceOffset = 0
  private static readonly TRACE_S = 3600

  constructor(
    readonly id: string,
    seed: number,
    /** Simulation start (ms since epoch). */
    private readonly startMs: number,
    /** When the class starts (ms since epoch). */
    private readonly classStartMs: number,
  ) {
    this.random = createRandom(seed, `member:${id}`)
    this.person = randomPerson(this.random)
    this.heart = restingHeart(this.person)
    this.heart.nextBeatMs = Math.round(this.random.uniform(0, 800))
    this.clockMs = 0
  }

  /** Advances physiology to absolute time `tMs` in one-second steps. */
  advanceTo(tMs: number): void {
    const target = tMs - this.startMs
    while (this.clockMs + 1000 <= target) {
      this.clockMs += 1000
      this.intensityNow = classIntensity((this.startMs + this.clockMs - this.classStartMs) / 1000)
      stepHeart(this.heart, this.person, this.intensityNow, 1, this.random)
      this.trace.push({ hr: this.heart.hr + this.heart.drift, intensity: this.intensityNow * this.person.effort })
      if (this.trace.length > SimMember.TRACE_S) {
        this.trace.shift()
        this.traceOffset++
      }
    }
  }

  /** The member's state at absolute time `tMs` (advancing the simulation to it if needed). */
  private stateAt(tMs: number): { hr: number; intensity: number } {
    this.advanceTo(tMs)
    const index = Math.floor((tMs - this.startMs) / 1000) - 1 - this.traceOffset
    return this.trace[Math.max(0, Math.min(this.trace.length - 1, index))] ?? { hr: this.heart.hr + this.heart.drift, intensity: this.intensity }
  }

  hrAt(tMs: number): number {
    return this.stateAt(tMs).hr
  }

  intensityAt(tMs: number): number {
    return this.stateAt(tMs).intensity
  }

  get hr(): number {
    return this.heart.hr + this.heart.drift
  }

  /** Intensity of the class plan now (fraction of heart-rate reserve, before the member's own effort). */
  get intensity(): number {
    return this.intensityNow * this.person.effort
  }

  /** RR intervals of the beats up to absolute time `tMs`; only the member's chest strap calls this. */
  beatsUntil(tMs: number): number[] {
    return beatsUntil(this.heart, this.person, tMs - this.startMs, this.random, (ms) => this.hrAt(this.startMs + ms))
  }
}
