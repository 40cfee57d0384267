/**
 * One entry point for every supported characteristic: a switch on the 16-bit UUID, one decoder file per
 * characteristic. Unknown UUIDs are an error with a reason, like any undecodable payload.
 */
import { GattDecodeError } from './byte-reader.js'
import { BATTERY_LEVEL_UUID, decodeBatteryLevel } from './battery-level.js'
import { CROSS_TRAINER_DATA_UUID, decodeCrossTrainerData } from './cross-trainer-data.js'
import { CSC_MEASUREMENT_UUID, decodeCscMeasurement } from './csc-measurement.js'
import { CYCLING_POWER_MEASUREMENT_UUID, decodeCyclingPowerMeasurement } from './cycling-power-measurement.js'
import { HEART_RATE_MEASUREMENT_UUID, decodeHeartRateMeasurement } from './heart-rate-measurement.js'
import { INDOOR_BIKE_DATA_UUID, decodeIndoorBikeData } from './indoor-bike-data.js'
import { ROWER_DATA_UUID, decodeRowerData } from './rower-data.js'
import { RSC_MEASUREMENT_UUID, decodeRscMeasurement } from './rsc-measurement.js'
import { TREADMILL_DATA_UUID, decodeTreadmillData } from './treadmill-data.js'

export type DecodedCharacteristic =
  | { uuid: typeof HEART_RATE_MEASUREMENT_UUID; value: ReturnType<typeof decodeHeartRateMeasurement> }
  | { uuid: typeof BATTERY_LEVEL_UUID; value: ReturnType<typeof decodeBatteryLevel> }
  | { uuid: typeof INDOOR_BIKE_DATA_UUID; value: ReturnType<typeof decodeIndoorBikeData> }
  | { uuid: typeof TREADMILL_DATA_UUID; value: ReturnType<typeof decodeTreadmillData> }
  | { uuid: typeof ROWER_DATA_UUID; value: ReturnType<typeof decodeRowerData> }
  | { uuid: typeof CROSS_TRAINER_DATA_UUID; value: ReturnType<typeof decodeCrossTrainerData> }
  | { uuid: typeof RSC_MEASUREMENT_UUID; value: ReturnType<typeof decodeRscMeasurement> }
  | { uuid: typeof CSC_MEASUREMENT_UUID; value: ReturnType<typeof decodeCscMeasurement> }
  | { uuid: typeof CYCLING_POWER_MEASUREMENT_UUID; value: ReturnType<typeof decodeCyclingPowerMeasurement> }

export const SUPPORTED_CHARACTERISTICS = [
  HEART_RATE_MEASUREMENT_UUID,
  BATTERY_LEVEL_UUID,
  INDOOR_BIKE_DATA_UUID,
  TREADMILL_DATA_UUID,
  ROWER_DATA_UUID,
  CROSS_TRAINER_DATA_UUID,
  RSC_MEASUREMENT_UUID,
  CSC_MEASUREMENT_UUID,
  CYCLING_POWER_MEASUREMENT_UUID,
] as const

/** Decodes a characteristic value; throws GattDecodeError with the reason when it cannot. */
export function decodeCharacteristic(uuid: number, value: Buffer): DecodedCharacteristic {
  switch (uuid) {
    case HEART_RATE_MEASUREMENT_UUID:
      return { uuid, value: decodeHeartRateMeasurement(value) }
    case BATTERY_LEVEL_UUID:
      return { uuid, value: decodeBatteryLevel(value) }
    case INDOOR_BIKE_DATA_UUID:
      return { uuid, value: decodeIndoorBikeData(value) }
    case TREADMILL_DATA_UUID:
      return { uuid, value: decodeTreadmillData(value) }
    case ROWER_DATA_UUID:
      return { uuid, value: decodeRowerData(value) }
    case CROSS_TRAINER_DATA_UUID:
      return { uuid, value: decodeCrossTrainerData(value) }
    case RSC_MEASUREMENT_UUID:
      return { uuid, value: decodeRscMeasurement(value) }
    case CSC_MEASUREMENT_UUID:
      return { uuid, value: decodeCscMeasurement(value) }
    case CYCLING_POWER_MEASUREMENT_UUID:
      return { uuid, value: decodeCyclingPowerMeasurement(value) }
    default:
      throw new GattDecodeError(`0x${uuid.toString(16)}`, 'unsupported characteristic')
  }
}

/** The 16-bit UUID of a full 128-bit Bluetooth base UUID string (0000xxxx-0000-1000-8000-00805f9b34fb). */
export function shortUuid(uuid: string): number | null {
  const m = /^0000([0-9a-f]{4})-0000-1000-8000-00805f9b34fb$/i.exec(uuid)
  return m ? parseInt(m[1]!, 16) : null
}
