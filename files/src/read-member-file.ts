/**
 * A member's file, whatever its format: recognised by its content (a FIT header, or the XML root element, or
 * JSON), never by its name, then decoded by the one decoder for that format.
 */
import { open, readFile } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import type { DecodedFile, FileFormat } from './decoded-file.js'
import { notImportable } from './file-error.js'
import { decodeFit, isFit } from './fit/decode-fit.js'
import { decodeGpx } from './xml/gpx.js'
import { decodeTcx } from './xml/tcx.js'
import { decodeFitbit, type FitbitZones } from './fitbit/fitbit-export.js'

/** How to read a file whose times carry no zone (Fitbit's); UTC and UTC unless told. */
export interface ReadOptions {
  fitbit?: FitbitZones
}

const UTC_ZONES: FitbitZones = { intraday: 'UTC', sleep: 'UTC' }

/** The format of a file from its first bytes. */
export function sniffFormat(head: Uint8Array): FileFormat | undefined {
  if (isFit(head)) return 'fit'
  const text = Buffer.from(head).toString('utf8')
  if (/<(\w+:)?gpx[\s>]/.test(text)) return 'gpx'
  if (/<(\w+:)?TrainingCenterDatabase[\s>]/.test(text)) return 'tcx'
  if (/<HealthData[\s>]/.test(text)) return 'apple_health'
  if (/^\s*[[{]/.test(text)) return 'fitbit'
  return undefined
}

/** The format of a file on disk, from its first 4 KiB. */
export async function sniffFile(path: string): Promise<FileFormat | undefined> {
  const handle = await open(path, 'r')
  const head = Buffer.alloc(4096)
  const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close())
  return sniffFormat(head.subarray(0, bytesRead))
}

/**
 * Decodes a file on disk into memory (FIT, GPX, TCX: a 3-hour ride is about a megabyte). Apple Health exports
 * run to gigabytes and are streamed instead (apple-health/import-health-export.ts).
 */
export async function readMemberFile(path: string, options: ReadOptions = {}): Promise<DecodedFile> {
  const name = basename(path)
  const format = await sniffFile(path)
  switch (format) {
    case 'fit':
      return decodeFit(new Uint8Array(await readFile(path)), name)
    case 'gpx':
      return decodeGpx(createReadStream(path), name)
    case 'tcx':
      return decodeTcx(createReadStream(path), name)
    case 'fitbit':
      return decodeFitbit(await readFile(path, 'utf8'), name, options.fitbit ?? UTC_ZONES)
    default:
      throw notImportable(name, format === 'apple_health' ? 'an Apple Health export is streamed, not read whole' : 'neither FIT, GPX, TCX, Apple Health export.xml nor a Fitbit export')
  }
}

/** Decodes a file held in memory (an upload). Apple Health exports are too large to upload whole: the CLI streams them. */
export async function decodeMemberFile(bytes: Uint8Array, name: string, options: ReadOptions = {}): Promise<DecodedFile> {
  const format = sniffFormat(bytes.subarray(0, 4096))
  const text = () => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  switch (format) {
    case 'fit':
      return decodeFit(bytes, name)
    case 'gpx':
      return decodeGpx(text(), name)
    case 'tcx':
      return decodeTcx(text(), name)
    case 'fitbit':
      return decodeFitbit(text(), name, options.fitbit ?? UTC_ZONES)
    default:
      throw notImportable(name, format === 'apple_health' ? 'an Apple Health export is imported with npm run import, which streams it from disk' : 'neither FIT, GPX, TCX, Apple Health export.xml nor a Fitbit export')
  }
}
