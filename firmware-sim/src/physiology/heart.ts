/**
 * Heart rate that follows workload with a lag, and RR intervals that agree with it.
 *
 * HR kinetics are first order towards a target set by intensity in heart-rate reserve (Karvonen):
 * target = rest + intensity × (max − rest). The time constant is about 30 s on the way up and 60 s on
 * the way down, in the range reported for moderate exercise onset and for recovery (e.g. Pecanha et al.,
 * "Heart rate recovery: autonomic determinants", Clin Physiol Funct Imaging 2017).
 *
 * RR intervals: each beat's interval is 60000 / HR, plus respiratory sinus arrhythmia (a 0.25 Hz sine)
 * and beat-to-beat noise, both scaled by vagal tone, which falls as intensity rises; so RMSSD is
 * several tens of ms at rest and a few ms in hard exercise, as measured in athletes.
 */
import type { Random } from '../random.js'
import type { Person } from './person.js'

export interface HeartState {
  hr: number
  /** Time of the next beat (ms since the start of the simulation). */
  nextBeatMs: number
  /** AR(1) noise on HR, bpm. */
  drift: number
}

export function restingHeart(person: Person): HeartState {
  return { hr: person.restHr, nextBeatMs: 0, drift: 0 }
}

export function targetHr(person: Person, intensity: number): number {
  return person.restHr + Math.min(1, Math.max(0, intensity)) * (person.maxHr - person.restHr)
}

/** Advances HR by `dtS` seconds towards the target for `intensity`. */
export function stepHeart(state: HeartState, person: Person, intensity: number, dtS: number, random: Random): void {
  const target = targetHr(person, intensity * person.effort)
  const tau = target > state.hr ? 30 : 60
  state.hr += (target - state.hr) * (1 - Math.exp(-dtS / tau))
  state.drift = 0.9 * state.drift + random.normal(0, 0.5)
}

/** Vagal tone in [0, 1]: 1 at rest, near 0 at maximal effort. */
export function vagalTone(state: HeartState, person: Person): number {
  return vagalToneAt(state.hr, person)
}

export function vagalToneAt(hr: number, person: Person): number {
  const reserve = Math.min(1, Math.max(0, (hr - person.restHr) / (person.maxHr - person.restHr)))
  return (1 - reserve) ** 2
}

/**
 * The RR intervals (ms) of the beats that fall before `untilMs`, advancing the beat clock. Each beat takes
 * the HR of its own moment from `hrAt` (ms since the simulation started); by default the current one.
 */
export function beatsUntil(state: HeartState, person: Person, untilMs: number, random: Random, hrAt: (ms: number) => number = () => state.hr + state.drift): number[] {
  const rr: number[] = []
  while (state.nextBeatMs <= untilMs) {
    const hr = Math.max(30, hrAt(state.nextBeatMs))
    const tone = vagalToneAt(hr, person)
    const base = 60000 / hr
    const rsa = 0.6 * person.restRmssdMs * tone * Math.sin((2 * Math.PI * 0.25 * state.nextBeatMs) / 1000)
    const noise = random.normal(0, 0.5 * person.restRmssdMs * tone + 1.5)
    const interval = Math.round(Math.min(2000, Math.max(250, base + rsa + noise)))
    rr.push(interval)
    state.nextBeatMs += interval
  }
  return rr
}
