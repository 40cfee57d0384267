/**
 * Every reference vector in ../shared/data/gatt/vectors.json (taken from RonanB96/bluetooth-sig-python's
 * tests, MIT) must decode to the values its source asserts, and every vector marked expect_error must be
 * rejected. Layout-variant vectors follow the GATT Specification Supplement; the decoders accept them
 * because they pick the layout by payload length (see gateway/src/gatt/flagged-fields.ts).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GattDecodeError, decodeCharacteristic } from '@pulseline/gateway'

interface Vector {
  characteristic: string
  uuid: string
  hex: string
  expected: Record<string, unknown>
  description: string
  expect_error?: boolean
}

const vectors = (JSON.parse(readFileSync(new URL('../../../shared/data/gatt/vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors

/** Upstream key → this decoder's key, for the FTMS characteristics (their values are already in the same units). */
const FTMS_KEYS: Record<string, string> = {
  speed_kmh: 'speed_kmh',
  averageSpeed_kmh: 'avg_speed_kmh',
  cadence_rpm: 'cadence_rpm',
  averageCadence_rpm: 'avg_cadence_rpm',
  totalDistance_m: 'distance_m',
  resistanceLevel: 'resistance',
  power_w: 'power_w',
  averagePower_w: 'avg_power_w',
  totalEnergy_kcal: 'energy_kcal',
  energyPerHour_kcal: 'energy_kcal_h',
  energyPerMinute_kcal: 'energy_kcal_min',
  heartRate: 'heart_rate_bpm',
  metabolicEquivalent: 'met',
  elapsedTime_s: 'elapsed_s',
  remainingTime_s: 'remaining_s',
  inclination_pct: 'incline_pct',
  rampAngle_deg: 'ramp_deg',
  positiveElevationGain_m: 'elevation_gain_m',
  negativeElevationGain_m: 'elevation_loss_m',
  instantaneousPace: 'pace_s_per_km',
  averagePace: 'avg_pace_s_per_km',
  forceOnBelt_n: 'force_on_belt_n',
  powerOutput_w: 'power_w',
  strokeRate_spm: 'stroke_rate_spm',
  strokeCount: 'strokes',
  averageStrokeRate_spm: 'avg_stroke_rate_spm',
  instantaneousPace_s_per_500m: 'pace_s_per_500m',
  averagePace_s_per_500m: 'avg_pace_s_per_500m',
}

function actualFor(v: Vector): Record<string, unknown> {
  const decoded = decodeCharacteristic(parseInt(v.uuid, 16), Buffer.from(v.hex, 'hex'))
  switch (decoded.uuid) {
    case 0x2a37: {
      const d = decoded.value
      return {
        heartRate: d.bpm,
        sensorContact: d.contact === undefined ? 'not_supported' : d.contact ? 'detected' : 'not_detected',
        energyExpended: d.energyKj ?? null,
        rrIntervals_1024: d.rr1024,
        rrIntervals_s: d.rr1024.map((x) => x / 1024),
      }
    }
    case 0x2a53: {
      const d = decoded.value
      return { speed_mps: d.speedMps, cadence_spm: d.cadenceSpm, strideLength_m: d.strideLengthM ?? null, totalDistance_m: d.totalDistanceM ?? null, running: d.running }
    }
    case 0x2a5b: {
      const { wheel, crank } = decoded.value
      return {
        cumulativeWheelRevolutions: wheel?.revolutions ?? null,
        lastWheelEventTime_1024: wheel?.eventTime ?? null,
        lastWheelEventTime_s: wheel ? wheel.eventTime / 1024 : null,
        cumulativeCrankRevolutions: crank?.revolutions ?? null,
        lastCrankEventTime_1024: crank?.eventTime ?? null,
        lastCrankEventTime_s: crank ? crank.eventTime / 1024 : null,
      }
    }
    case 0x2a63: {
      const d = decoded.value
      return {
        power_w: d.powerW,
        pedalPowerBalance_pct: d.pedalBalancePct ?? null,
        accumulatedEnergy_kj: d.accumulatedEnergyKj ?? null,
        cumulativeWheelRevolutions: d.wheel?.revolutions ?? null,
        lastWheelEventTime_s: d.wheel ? d.wheel.eventTime / 2048 : null,
        cumulativeCrankRevolutions: d.crank?.revolutions ?? null,
        lastCrankEventTime_s: d.crank ? d.crank.eventTime / 1024 : null,
      }
    }
    default: {
      const values = decoded.value as Record<string, number>
      // the treadmill's power is upstream's powerOutput_w; the other machines' is power_w
      const skip = v.characteristic === 'treadmill_data' ? 'power_w' : 'powerOutput_w'
      return Object.fromEntries(
        Object.entries(FTMS_KEYS)
          .filter(([theirs, ours]) => theirs !== skip && ours in values)
          .map(([theirs, ours]) => [theirs, values[ours]]),
      )
    }
  }
}

describe('GATT decoders against the reference vectors', () => {
  it('has the vectors', () => {
    expect(vectors.length).toBe(51)
  })

  for (const v of vectors) {
    it(`${v.characteristic}: ${v.description} (${v.hex})`, () => {
      if (v.expect_error) {
        expect(() => decodeCharacteristic(parseInt(v.uuid, 16), Buffer.from(v.hex, 'hex'))).toThrow(GattDecodeError)
        return
      }
      const actual = actualFor(v)
      for (const [key, value] of Object.entries(v.expected)) {
        if (typeof value === 'number') expect([key, actual[key]]).toEqual([key, expect.closeTo(value, 6)])
        else expect([key, actual[key]]).toEqual([key, value])
      }
      // FTMS: a field the upstream test does not list must not be decoded either (absent = not present)
      if (!['0x2A37', '0x2A53', '0x2A5B', '0x2A63'].includes(v.uuid.toUpperCase().replace('0X', '0x'))) {
        expect(Object.keys(actual).sort()).toEqual(Object.keys(v.expected).sort())
      }
    })
  }
})
