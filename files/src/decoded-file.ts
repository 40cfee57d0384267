/**
 * What a decoder makes of a member's file: the samples it holds, in Pulseline's wire shapes (protocol/),
 * and the device that recorded them. Decoders do not validate ranges: every sample goes through the same
 * validation as a live one (import-file.ts), so a file cannot put into a series what a strap could not.
 */
import type { Sample } from '@pulseline/protocol'

export const FILE_FORMATS = ['fit', 'gpx', 'tcx', 'apple_health', 'fitbit'] as const
export type FileFormat = (typeof FILE_FORMATS)[number]

export interface SourceDevice {
  /** Maker as the file names it ("garmin", "Garmin Connect", "Apple Watch"). */
  maker: string
  /** Product name or number, for the member's device list. */
  product: string | null
  /** Serial number, when the file gives one: it makes the device the same from one file to the next. */
  serial: string | null
}

export interface DecodedFile {
  format: FileFormat
  device: SourceDevice
  samples: Sample[]
  /** Laps or sessions the file marks, for the dry run's account. */
  laps: number
}
