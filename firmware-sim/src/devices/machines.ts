/**
 * Gym equipment driven by the member on it: power follows the member's intensity and their FTP; speed,
 * pace and distance follow power through each machine's physics.
 *
 * - Bike: speed from the cubic air-drag law P = k v³ with k ≈ 0.25 (road position, CdA ≈ 0.4 m²).
 * - Rower: Concept2's erg relation P = 2.80 / pace³, pace in s/m (Concept2 "Pace to watts" calculator).
 * - Treadmill: speed from intensity (walking 5 km/h to running 14 km/h); pace = 3600 / speed.
 * Energy: mechanical work at ~24 % gross efficiency, so kcal ≈ kJ of work (1 kJ / 0.24 / 4.184 ≈ 1 kcal).
 */
import type { EquipmentSample, Sample } from '@pulseline/protocol'
import type { SimMember } from '../member.js'
import { createRandom, type Random } from '../random.js'
import { PeriodicDevice } from './device.js'

abstract class Machine extends PeriodicDevice {
  protected readonly random: Random
  protected distanceM = 0
  protected workKj = 0
  protected elapsedS = 0
  private elapsedMs = 0
  /** Fraction of a second one sample covers, for integrating distance and work. */
  protected get dt(): number {
    return this.period / 1000
  }

  constructor(id: string, protected readonly member: SimMember, startMs: number, seed: number, periodMs = 1000) {
    super(id, member.id, startMs, periodMs)
    this.random = createRandom(seed, `machine:${id}`)
  }

  protected power(): number {
    const ftp = this.member.person.ftpWPerKg * this.member.person.weightKg
    return Math.max(0, Math.round(ftp * 1.15 * this.intensity + this.random.normal(0, 4)))
  }

  /** The member's intensity at the sample being made. */
  protected intensity = 0

  protected sampleAt(t: number): Sample[] {
    this.intensity = this.member.intensityAt(t)
    this.elapsedS = Math.floor((this.elapsedMs += this.period) / 1000)
    return [this.reading(t)]
  }

  protected abstract reading(t: number): EquipmentSample
}

export class Bike extends Machine {
  readonly kind = 'bike' as const
  protected reading(t: number): EquipmentSample {
    const power = this.power()
    const speedMs = Math.cbrt(power / 0.25)
    this.distanceM += speedMs * this.dt
    this.workKj += (power / 1000) * this.dt
    return {
      kind: 'equipment',
      t,
      machine: 'bike',
      power_w: power,
      cadence_rpm: Math.round((power > 0 ? 70 + 25 * Math.min(1, this.intensity) + this.random.normal(0, 2) : 0) * 2) / 2,
      speed_kmh: Math.round(speedMs * 3.6 * 100) / 100,
      distance_m: Math.round(this.distanceM),
      energy_kcal: Math.round(this.workKj),
      elapsed_s: this.elapsedS,
    }
  }
}

export class Rower extends Machine {
  readonly kind = 'rower' as const
  private strokes = 0
  private strokeFraction = 0
  protected reading(t: number): EquipmentSample {
    const power = Math.max(1, Math.round(this.power() * 0.9))
    const paceSPerM = Math.cbrt(2.8 / power)
    this.distanceM += this.dt / paceSPerM
    this.workKj += (power / 1000) * this.dt
    const rate = Math.round(18 + 14 * Math.min(1, this.intensity))
    this.strokeFraction += (rate / 60) * this.dt
    this.strokes += Math.floor(this.strokeFraction)
    this.strokeFraction -= Math.floor(this.strokeFraction)
    return {
      kind: 'equipment',
      t,
      machine: 'rower',
      power_w: power,
      stroke_rate_spm: rate,
      strokes: this.strokes,
      pace_s_per_500m: Math.round(paceSPerM * 500 * 10) / 10,
      distance_m: Math.round(this.distanceM),
      energy_kcal: Math.round(this.workKj),
      elapsed_s: this.elapsedS,
    }
  }
}

export class Treadmill extends Machine {
  readonly kind = 'treadmill' as const
  protected reading(t: number): EquipmentSample {
    const speed = Math.round((5 + 9 * Math.min(1, this.intensity)) * 10) / 10
    this.distanceM += (speed / 3.6) * this.dt
    // Net cost of running ≈ 1 kcal/kg/km (Margaria et al., J Appl Physiol 1963).
    this.workKj += ((this.member.person.weightKg * speed) / 3600) * this.dt
    return {
      kind: 'equipment',
      t,
      machine: 'treadmill',
      speed_kmh: speed,
      incline_pct: 1,
      pace_s_per_km: Math.round(3600 / speed),
      distance_m: Math.round(this.distanceM),
      energy_kcal: Math.round(this.workKj),
      elapsed_s: this.elapsedS,
    }
  }
}
