/**
 * The GATT bytes a simulated device notifies, from the same samples it publishes over MQTT: so the BLE
 * path (through the gateway) and the MQTT path carry one physiology.
 */
import type { EquipmentSample, HeartRateSample } from '@pulseline/protocol'
import { encodeHeartRateMeasurement } from './heart-rate.js'
import { encodeRscMeasurement } from './cycling.js'
import { encodeCrossTrainerData, encodeIndoorBikeData, encodeRowerData, encodeTreadmillData, type Layout, type MachineFields } from './ftms.js'

export const HEART_RATE_MEASUREMENT = 0x2a37
export const RSC_MEASUREMENT = 0x2a53
export const FTMS_CHARACTERISTIC = { bike: 0x2ad2, treadmill: 0x2acd, rower: 0x2ad1, cross_trainer: 0x2ace } as const

export function heartRateBytes(sample: HeartRateSample): Buffer {
  return encodeHeartRateMeasurement({ bpm: sample.bpm, contact: sample.contact, energyKj: sample.energy_kj, rrMs: sample.rr_ms })
}

export function equipmentBytes(sample: EquipmentSample, layout: Layout = 'gss'): { uuid: number; value: Buffer } {
  const { kind: _kind, t: _t, machine, ...metrics } = sample
  const fields = metrics as MachineFields
  switch (machine) {
    case 'bike':
      return { uuid: FTMS_CHARACTERISTIC.bike, value: encodeIndoorBikeData(fields, layout) }
    case 'treadmill':
      return { uuid: FTMS_CHARACTERISTIC.treadmill, value: encodeTreadmillData(fields, layout) }
    case 'rower':
      return { uuid: FTMS_CHARACTERISTIC.rower, value: encodeRowerData(fields, layout) }
    case 'cross_trainer':
      return { uuid: FTMS_CHARACTERISTIC.cross_trainer, value: encodeCrossTrainerData(fields, layout) }
    case 'footpod':
      return {
        uuid: RSC_MEASUREMENT,
        value: encodeRscMeasurement({
          speedMps: (fields.speed_kmh ?? 0) / 3.6,
          cadenceSpm: fields.cadence_rpm ?? 0,
          ...(fields.distance_m === undefined ? {} : { totalDistanceM: fields.distance_m }),
          running: (fields.speed_kmh ?? 0) > 7,
        }),
      }
  }
}
