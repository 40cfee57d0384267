import { describe, expect, it } from 'vitest'
import {
  GattDecodeError,
  crankCadenceRpm,
  decodeBatteryLevel,
  decodeCharacteristic,
  decodeCrossTrainerData,
  decodeHeartRateMeasurement,
  decodeIndoorBikeData,
  decodeRowerData,
  decodeTreadmillData,
  shortUuid,
  wheelSpeedKmh,
} from '@pulseline/gateway'

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex')

describe('rejecting what cannot be decoded', () => {
  it.each([
    ['HR flags only', 0x2a37, '00'],
    ['HR uint16 value cut short', 0x2a37, '01 50'],
    ['HR energy flag without energy', 0x2a37, '08 50'],
    ['HR odd RR bytes', 0x2a37, '10 50 00 04 00'],
    ['HR RR flag without RR', 0x2a37, '10 50'],
    ['HR trailing byte', 0x2a37, '00 50 00'],
    ['bike speed cut', 0x2ad2, '00 00 10'],
    ['bike flags announce cadence, payload lacks it', 0x2ad2, '05 00'],
    ['treadmill distance truncated', 0x2acd, '05 00 10 27'],
    ['rower extra bytes', 0x2ad1, '01 00 00 00 00'],
    ['CSC wheel data cut', 0x2a5b, '01 40 e2 01 00 00'],
    ['CP power missing', 0x2a63, '00 00 fa'],
    ['battery empty', 0x2a19, ''],
    ['unknown characteristic', 0x2a00, '00'],
  ])('%s', (_name, uuid, payload) => {
    expect(() => decodeCharacteristic(uuid, hex(payload))).toThrow(GattDecodeError)
  })

  it('gives the reason', () => {
    expect(() => decodeHeartRateMeasurement(hex('01 50'))).toThrow(/truncated: heart rate \(uint16\) needs 2 bytes at offset 1, 1 left/)
    expect(() => decodeIndoorBikeData(hex('05 00'))).toThrow(/flags 0x5 announce 4 bytes, payload has 2/)
  })

  it('refuses a battery level above 100 %', () => {
    expect(decodeBatteryLevel(hex('64'))).toEqual({ batteryPct: 100 })
    expect(() => decodeBatteryLevel(hex('65'))).toThrow(/out of range/)
  })
})

describe('heart rate measurement', () => {
  it('converts RR from 1/1024 s to ms and reads any number of them', () => {
    const d = decodeHeartRateMeasurement(hex('16 8c 00 04 00 04 cd 03 9a 03'))
    expect(d).toMatchObject({ bpm: 140, contact: true, rr1024: [1024, 1024, 973, 922], rrMs: [1000, 1000, 950, 900] })
  })
})

describe('FTMS layouts: FTMS v1.0 and the GATT Specification Supplement are both accepted', () => {
  it('reads Resistance Level as sint16 (v1.0) or uint8 × 10 (GSS) by payload length', () => {
    expect(decodeIndoorBikeData(hex('21 00 0c')).resistance).toBe(120) // GSS
    expect(decodeIndoorBikeData(hex('21 00 f6 ff')).resistance).toBe(-10) // v1.0 sint16
    expect(decodeRowerData(hex('81 00 2c 01')).resistance).toBe(300)
  })

  it('reads treadmill pace as uint16 s/km (GSS) or uint8 km/min (v1.0), reported in s/km', () => {
    expect(decodeTreadmillData(hex('21 00 2c 01')).pace_s_per_km).toBe(300) // GSS, 300 s/km
    expect(decodeTreadmillData(hex('21 00 02')).pace_s_per_km).toBe(300) // v1.0, 0.2 km/min
    expect(decodeTreadmillData(hex('21 00 00'))).not.toHaveProperty('pace_s_per_km') // standing still: no pace, not 0
  })

  it('reads the cross trainer 24-bit flags and movement direction', () => {
    // flags: more data (no speed) | step rate | power | backward
    const d = decodeCrossTrainerData(hex('09 81 00  8c 00 82 00  96 00'))
    expect(d).toEqual({ cadence_rpm: 140, avg_cadence_rpm: 130, power_w: 150, backward: 1 })
  })
})

describe('speed and cadence from revolution counters', () => {
  it('computes wheel speed with the uint16 event-time rollover', () => {
    // 2 revolutions of a 2.1 m wheel in 0.5 s across the 64 s wrap: 8.4 m/s = 30.24 km/h
    const speed = wheelSpeedKmh({ revolutions: 100, eventTime: 65536 - 256 }, { revolutions: 102, eventTime: 256 }, 2.1)
    expect(speed).toBeCloseTo(30.24, 6)
  })

  it('computes cadence with the uint16 revolution rollover', () => {
    expect(crankCadenceRpm({ revolutions: 65535, eventTime: 1000 }, { revolutions: 1, eventTime: 2024 })).toBeCloseTo(120, 6)
  })

  it('returns null, not zero, when no new event arrived', () => {
    expect(crankCadenceRpm({ revolutions: 5, eventTime: 1000 }, { revolutions: 5, eventTime: 1000 })).toBeNull()
  })

  it('takes the 16-bit UUID out of a Bluetooth base UUID', () => {
    expect(shortUuid('00002a37-0000-1000-8000-00805f9b34fb')).toBe(0x2a37)
    expect(shortUuid('6e400001-b5a3-f393-e0a9-e50e24dcca9e')).toBeNull()
  })
})
