/**
 * A simulated member: the physiology the signals are drawn from. Ranges are those of healthy adults who
 * join group classes. HRmax is Tanaka's 208 − 0.7 × age (Tanaka, Monahan & Seals, JACC 2001) with
 * individual scatter of ±7 bpm, about the SD of measured HRmax around that line.
 */
import type { Random } from '../random.js'

export interface Person {
  age: number
  sex: 'female' | 'male'
  weightKg: number
  restHr: number
  maxHr: number
  /** Functional threshold power per kg (W/kg), for equipment power. */
  ftpWPerKg: number
  /** How hard this member works relative to the class plan (0.85–1.1). */
  effort: number
  /** Resting RMSSD (ms): vagal tone. */
  restRmssdMs: number
}

export function randomPerson(random: Random): Person {
  const age = random.int(20, 60)
  const sex = random.next() < 0.5 ? 'female' : 'male'
  return {
    age,
    sex,
    weightKg: Math.round(sex === 'female' ? random.uniform(52, 85) : random.uniform(62, 100)),
    restHr: Math.round(random.uniform(50, 72)),
    maxHr: Math.round(208 - 0.7 * age + random.normal(0, 7)),
    ftpWPerKg: random.uniform(2, 3.8),
    effort: random.uniform(0.85, 1.1),
    restRmssdMs: random.uniform(30, 70) * (1 - (age - 20) / 120),
  }
}
