/**
 * firmware-sim's GATT encoders against the gateway's decoders (round trip) and against the reference
 * vectors (encoding a vector's decoded values must give back the vector's exact bytes).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeCharacteristic, decodeCrossTrainerData, decodeCyclingPowerMeasurement, decodeHeartRateMeasurement, decodeRscMeasurement } from '@pulseline/gateway'
import {
  ByteWriter,
  encodeCrossTrainerData,
  encodeCscMeasurement,
  encodeCyclingPowerMeasurement,
  encodeHeartRateMeasurement,
  encodeIndoorBikeData,
  encodeRowerData,
  encodeRscMeasurement,
  encodeTreadmillData,
  equipmentBytes,
  heartRateBytes,
  planGym,
  type MachineFields,
} from '../src/index.js'

interface Vector {
  characteristic: string
  uuid: string
  hex: string
  description: string
  expect_error?: boolean
}
const vectors = (JSON.parse(readFileSync(new URL('../../../shared/data/gatt/vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors

const FTMS_ENCODERS: Record<string, (f: MachineFields) => Buffer> = {
  '0x2AD2': encodeIndoorBikeData,
  '0x2ACD': encodeTreadmillData,
  '0x2AD1': encodeRowerData,
}

/** A 16-bit HR value that fits 8 bits: the encoder writes 16 bits only when asked (format16). */
const HR_FORMAT16 = '01C800'
/** Vectors no encoder writes as they stand, with why, and the bytes it writes for their values instead. */
const NOT_CANONICAL: Record<string, { why: string; writes: string }> = {
  '0250': { why: 'contact-detected bit without the contact-supported bit: meaningless, the encoder never writes it', writes: '0050' },
}

describe('encoders reproduce the reference vectors byte for byte', () => {
  for (const v of vectors.filter((x) => !x.expect_error)) {
    it(`${v.characteristic}: ${v.description}`, () => {
      const bytes = Buffer.from(v.hex, 'hex')
      const decoded = decodeCharacteristic(parseInt(v.uuid, 16), bytes)
      let encoded: Buffer
      switch (decoded.uuid) {
        case 0x2a37:
          encoded = encodeHeartRateMeasurement({ bpm: decoded.value.bpm, contact: decoded.value.contact, energyKj: decoded.value.energyKj, rrMs: decoded.value.rr1024.map((x) => (x * 1000) / 1024), format16: v.hex === HR_FORMAT16 })
          break
        case 0x2a53:
          encoded = encodeRscMeasurement(decoded.value)
          break
        case 0x2a5b:
          encoded = encodeCscMeasurement(decoded.value)
          break
        case 0x2a63:
          encoded = encodeCyclingPowerMeasurement(decoded.value)
          break
        default:
          encoded = FTMS_ENCODERS[v.uuid.toUpperCase().replace('0X', '0x')]!(decoded.value as MachineFields)
      }
      expect(encoded.toString('hex').toUpperCase()).toBe(NOT_CANONICAL[v.hex]?.writes ?? v.hex.toUpperCase())
    })
  }
})

describe('round trips through the gateway decoders', () => {
  it('carries every simulated sample of a class through GATT bytes unchanged', () => {
    const start = Date.UTC(2026, 0, 5, 18)
    const plan = planGym({ seed: 3, gym: 'g', members: 6, machines: 6, startMs: start })
    let checked = 0
    for (const device of plan.devices) {
      for (const sample of device.samplesUntil(start + 600_000)) {
        if (sample.kind === 'hr' && sample.rr_ms) {
          const d = decodeHeartRateMeasurement(heartRateBytes(sample))
          expect(d.bpm).toBe(sample.bpm)
          expect(d.contact).toBe(sample.contact)
          // Every interval arrives (none dropped), each within half a 1/1024 s tick (0.49 ms) of rounding
          expect(d.rrMs).toHaveLength(sample.rr_ms.length)
          sample.rr_ms.forEach((ms, i) => expect(Math.abs(d.rrMs[i]! - ms)).toBeLessThanOrEqual(1))
          checked++
        } else if (sample.kind === 'equipment') {
          for (const layout of ['gss', 'ftms-1.0'] as const) {
            const { uuid, value } = equipmentBytes(sample, layout)
            const { kind: _kind, t: _t, machine: _machine, ...metrics } = sample
            const decoded = decodeCharacteristic(uuid, value).value as Record<string, number>
            for (const [k, v] of Object.entries(metrics)) {
              // FTMS v1.0 pace is uint8 km/min at 0.1 resolution: coarse by design, so compare after that rounding
              if (k === 'pace_s_per_km' && layout === 'ftms-1.0') expect(decoded[k]).toBe(Math.round((60 / (Math.round((60 / v!) * 10) / 10)) * 10) / 10)
              // GSS pace is whole seconds; every other field the simulator writes is at or above its FTMS resolution
              else if (k.startsWith('pace_')) expect(Math.abs(decoded[k]! - v!)).toBeLessThanOrEqual(0.5)
              else expect([k, decoded[k]]).toEqual([k, expect.closeTo(v as number, 2)])
            }
          }
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(5000)
  })

  it('cross trainer, RSC and cycling power', () => {
    const ct = { speed_kmh: 9.5, cadence_rpm: 140, avg_cadence_rpm: 130, distance_m: 1234, resistance: 60, power_w: 180, energy_kcal: 90, heart_rate_bpm: 150, elapsed_s: 600 }
    for (const layout of ['gss', 'ftms-1.0'] as const) expect(decodeCrossTrainerData(encodeCrossTrainerData(ct, layout, true))).toEqual({ ...ct, backward: 1 })
    const rsc = { speedMps: 3.25, cadenceSpm: 172, strideLengthM: 1.13, totalDistanceM: 4321.5, running: true }
    expect(decodeRscMeasurement(encodeRscMeasurement(rsc))).toEqual(rsc)
    const cp = { powerW: -12, pedalBalancePct: 49.5, wheel: { revolutions: 99, eventTime: 4096 }, crank: { revolutions: 7, eventTime: 65535 }, accumulatedEnergyKj: 300 }
    expect(decodeCyclingPowerMeasurement(encodeCyclingPowerMeasurement(cp))).toMatchObject(cp)
  })

  it('refuses to encode a value that does not fit its field', () => {
    expect(() => new ByteWriter().put('u8', 256, 'x')).toThrow(/does not fit u8/)
    expect(() => encodeIndoorBikeData({ power_w: 40000 })).toThrow(/power = 40000 does not fit s16/)
  })
})
