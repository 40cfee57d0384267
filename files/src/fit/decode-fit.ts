/**
 * FIT files through Garmin's FIT SDK (@garmin/fitsdk): activity files (heart rate, power, cadence, speed,
 * distance), monitoring files (steps) and sleep (sleep level messages), into samples.
 *
 * References: FIT Protocol (FIT SDK, "Flexible and Interoperable Data Transfer Protocol") §3.3 File Header and
 * §3.3.4 CRC; FIT Profile (Profile.xlsx, messages record 20, monitoring 55, monitoring_info 103,
 * sleep_level 275, file_id 0, session 18); FIT cookbook "Decoding Activity Files" and "Monitoring Files".
 */
import { CrcCalculator, Decoder, Stream } from '@garmin/fitsdk'
import type { EquipmentSample, HeartRateSample, Machine, Sample, SleepSample, SleepStage, StepsSample } from '@pulseline/protocol'
import type { DecodedFile } from '../decoded-file.js'
import { corruptFile, notImportable } from '../file-error.js'

/** FIT sports that map onto a Pulseline machine; other sports keep their heart rate only. */
const MACHINE_OF_SPORT: Record<string, Machine> = { cycling: 'bike', eBiking: 'bike', running: 'footpod', walking: 'footpod', rowing: 'rower' }

/** FIT sleep levels (Profile type sleep_level); "unmeasurable" epochs are left out. */
const STAGE_OF_LEVEL: Record<string, SleepStage> = { awake: 'awake', light: 'light', deep: 'deep', rem: 'rem' }

type Message = Record<string, unknown>

export function isFit(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && Decoder.isFIT(Stream.fromByteArray(bytes.subarray(0, 64)))
}

export function decodeFit(bytes: Uint8Array, file: string): DecodedFile {
  checkIntegrity(bytes, file)
  const decoder = new Decoder(Stream.fromByteArray(bytes))
  const { messages, errors } = decoder.read({ mergeHeartRates: true, convertDateTimesToDates: true, convertTypesToStrings: true })
  if (errors.length > 0) throw corruptFile(file, 'data', String((errors[0] as Error).message ?? errors[0]))
  const fileId = ((messages.fileIdMesgs as Message[] | undefined) ?? [])[0] ?? {}
  const sport = String((((messages.sessionMesgs ?? messages.sportMesgs) as Message[] | undefined) ?? [])[0]?.sport ?? '')
  const samples: Sample[] = [
    ...records((messages.recordMesgs as Message[] | undefined) ?? [], MACHINE_OF_SPORT[sport]),
    ...monitoringSteps((messages.monitoringMesgs as Message[] | undefined) ?? [], (messages.monitoringInfoMesgs as Message[] | undefined) ?? []),
    ...sleepEpochs((messages.sleepLevelMesgs as Message[] | undefined) ?? []),
  ]
  return {
    format: 'fit',
    device: {
      maker: String(fileId.manufacturer ?? 'unknown'),
      product: fileId.garminProduct !== undefined ? String(fileId.garminProduct) : fileId.product !== undefined ? String(fileId.product) : null,
      serial: fileId.serialNumber !== undefined ? String(fileId.serialNumber) : null,
    },
    samples,
    laps: ((messages.lapMesgs as Message[] | undefined) ?? []).length,
  }
}

/**
 * The SDK's integrity check (".FIT" in the header, size = header + data + CRC, CRC over both), with the
 * reason and the byte where it fails, which the SDK's boolean does not give.
 */
function checkIntegrity(bytes: Uint8Array, file: string): void {
  if (!isFit(bytes)) throw notImportable(file, 'no FIT header: bytes 8–11 are not ".FIT"')
  if (new Decoder(Stream.fromByteArray(bytes)).checkIntegrity()) return
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerSize = bytes[0]!
  const dataSize = view.getUint32(4, true)
  const expected = headerSize + dataSize + 2
  if (bytes.length < expected) throw corruptFile(file, `byte ${bytes.length}`, `truncated: the header announces ${expected} bytes`)
  if (headerSize === 14) {
    const headerCrc = view.getUint16(12, true)
    if (headerCrc !== 0 && headerCrc !== CrcCalculator.calculateCRC(bytes, 0, 12)) throw corruptFile(file, 'bytes 0–13', 'corrupt header: its CRC does not match')
  }
  const fileCrc = view.getUint16(headerSize + dataSize, true)
  throw corruptFile(file, `byte ${headerSize + dataSize}`, `file CRC 0x${fileCrc.toString(16).padStart(4, '0')} does not match the data (0x${CrcCalculator.calculateCRC(bytes, 0, headerSize + dataSize).toString(16).padStart(4, '0')})`)
}

const ms = (v: unknown): number | undefined => (v instanceof Date ? v.getTime() : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

function records(list: readonly Message[], machine: Machine | undefined): Sample[] {
  const out: Sample[] = []
  for (const r of list) {
    const t = ms(r.timestamp)
    if (t === undefined) continue
    const bpm = num(r.heartRate)
    if (bpm !== undefined) out.push({ kind: 'hr', t, bpm: Math.round(bpm) } satisfies HeartRateSample)
    if (!machine) continue
    const speed = num(r.enhancedSpeed) ?? num(r.speed) // m/s
    const equipment: EquipmentSample = { kind: 'equipment', t, machine }
    if (num(r.power) !== undefined) equipment.power_w = Math.round(num(r.power)!)
    if (num(r.cadence) !== undefined) equipment.cadence_rpm = num(r.cadence)!
    if (speed !== undefined) equipment.speed_kmh = Math.round(speed * 3.6 * 100) / 100
    if (num(r.distance) !== undefined) equipment.distance_m = Math.round(num(r.distance)!)
    if (Object.keys(equipment).length > 3) out.push(equipment)
  }
  return out
}

/**
 * Monitoring messages carry cumulative counts per activity type since the start of the day (the
 * monitoring_info message marks it); a message's steps are the difference from the previous one of its type.
 * Messages may carry only `timestamp16`, the low 16 bits of the time, rolled forward from the last full one
 * (FIT cookbook, "Monitoring Files").
 */
function monitoringSteps(list: readonly Message[], info: readonly Message[]): StepsSample[] {
  const out: StepsSample[] = []
  const dayStart = ms(info[0]?.timestamp)
  const last = new Map<string, { t: number; steps: number }>()
  let lastFull: number | undefined
  for (const m of list) {
    let t = ms(m.timestamp)
    if (t !== undefined) lastFull = t
    else if (lastFull !== undefined && num(m.timestamp16) !== undefined) {
      const seconds = Math.floor(lastFull / 1000)
      t = (seconds + ((num(m.timestamp16)! - (seconds & 0xffff)) & 0xffff)) * 1000
      lastFull = t
    }
    const steps = num(m.steps)
    if (t === undefined || steps === undefined) continue
    const type = String(m.activityType ?? 'generic')
    const previous = last.get(type) ?? (dayStart !== undefined ? { t: dayStart, steps: 0 } : undefined)
    last.set(type, { t, steps })
    if (!previous || t <= previous.t) continue
    const count = steps >= previous.steps ? steps - previous.steps : steps // the counter restarts with the day
    out.push({ kind: 'steps', t, count: Math.round(count), interval_s: Math.round((t - previous.t) / 1000) })
  }
  return out
}

/** A sleep level holds from its message to the next one; the last level's end is unknown and left out. */
function sleepEpochs(list: readonly Message[]): SleepSample[] {
  const out: SleepSample[] = []
  for (let i = 0; i + 1 < list.length; i++) {
    const t = ms(list[i]!.timestamp)
    const next = ms(list[i + 1]!.timestamp)
    const stage = STAGE_OF_LEVEL[String(list[i]!.sleepLevel)]
    if (t === undefined || next === undefined || !stage || next <= t) continue
    out.push({ kind: 'sleep', t, stage, dur_s: Math.round((next - t) / 1000) })
  }
  return out
}
