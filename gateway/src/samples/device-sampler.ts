/**
 * Decoded characteristic values → Pulseline samples, per device. It keeps the little state the profiles
 * need: the previous CSC/CP revolution counters (speed and cadence are differences of two readings), and
 * the last timestamp, so that two notifications in the same millisecond get distinct times (InfluxDB would
 * otherwise keep only one of them).
 *
 * Values a sample cannot carry are dropped here and counted, never bent into range: an RR interval outside
 * 200–3000 ms (a missed or doubled beat) is left out of the sample, which keeps its heart rate.
 */
import { EQUIPMENT_METRICS, type EquipmentMetric, type Machine, type Sample } from '@pulseline/protocol'
import type { DecodedCharacteristic } from '../gatt/decode.js'
import { crankCadenceRpm, wheelSpeedKmh } from '../gatt/revolution-rates.js'
import type { RevolutionData } from '../gatt/csc-measurement.js'

const MACHINE_OF: Record<number, Machine> = { 0x2ad2: 'bike', 0x2acd: 'treadmill', 0x2ad1: 'rower', 0x2ace: 'cross_trainer', 0x2a53: 'footpod', 0x2a5b: 'bike', 0x2a63: 'bike' }

export interface SamplerCounters {
  droppedRr: number
}

export class DeviceSampler {
  private lastT = 0
  private wheel: RevolutionData | undefined
  private crank: RevolutionData | undefined
  readonly counters: SamplerCounters = { droppedRr: 0 }

  constructor(private readonly wheelCircumferenceM: number) {}

  /** A timestamp for a notification received at `receivedAt`, strictly after the previous one. */
  stamp(receivedAt: number): number {
    this.lastT = Math.max(receivedAt, this.lastT + 1)
    return this.lastT
  }

  toSamples(reading: DecodedCharacteristic, t: number): Sample[] {
    switch (reading.uuid) {
      case 0x2a37: {
        const v = reading.value
        // No skin contact: the number on the wire is not a heart rate.
        if (v.contact === false || v.bpm < 20) return [{ kind: 'status', t, contact: false }]
        const rr = v.rrMs.filter((ms) => ms >= 200 && ms <= 3000)
        this.counters.droppedRr += v.rrMs.length - rr.length
        const sample: Sample = { kind: 'hr', t, bpm: v.bpm }
        if (rr.length > 0) sample.rr_ms = rr
        if (v.contact !== undefined) sample.contact = v.contact
        if (v.energyKj !== undefined) sample.energy_kj = v.energyKj
        return [sample]
      }
      case 0x2a19:
        return [{ kind: 'status', t, battery_pct: reading.value.batteryPct }]
      case 0x2a53: {
        const v = reading.value
        const metrics: Partial<Record<EquipmentMetric, number>> = { speed_kmh: Math.round(v.speedMps * 3.6 * 100) / 100, cadence_rpm: v.cadenceSpm }
        if (v.totalDistanceM !== undefined) metrics.distance_m = Math.round(v.totalDistanceM)
        return equipment('footpod', t, metrics)
      }
      case 0x2a5b:
        return equipment('bike', t, this.revolutions(reading.value.wheel, reading.value.crank, 1024))
      case 0x2a63: {
        const metrics = this.revolutions(reading.value.wheel, reading.value.crank, 2048)
        metrics.power_w = reading.value.powerW
        return equipment('bike', t, metrics)
      }
      default:
        return equipment(MACHINE_OF[reading.uuid]!, t, reading.value as Partial<Record<string, number>>)
    }
  }

  private revolutions(wheel: RevolutionData | undefined, crank: RevolutionData | undefined, wheelTickHz: number): Partial<Record<EquipmentMetric, number>> {
    const out: Partial<Record<EquipmentMetric, number>> = {}
    if (wheel && this.wheel) {
      const speed = wheelSpeedKmh(this.wheel, wheel, this.wheelCircumferenceM, wheelTickHz)
      if (speed !== null) out.speed_kmh = Math.round(speed * 100) / 100
    }
    if (crank && this.crank) {
      const cadence = crankCadenceRpm(this.crank, crank)
      if (cadence !== null) out.cadence_rpm = Math.round(cadence * 10) / 10
    }
    if (wheel) this.wheel = wheel
    if (crank) this.crank = crank
    return out
  }
}

/** An equipment sample with the metrics Pulseline knows, in range; none at all gives no sample. */
function equipment(machine: Machine, t: number, values: Partial<Record<string, number>>): Sample[] {
  const sample: Record<string, unknown> = { kind: 'equipment', t, machine }
  let n = 0
  for (const [key, value] of Object.entries(values)) {
    const schema = EQUIPMENT_METRICS[key as EquipmentMetric]
    if (!schema || value === undefined) continue
    sample[key] = value
    n++
  }
  return n > 0 ? [sample as Sample] : []
}
