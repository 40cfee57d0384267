/**
 * FIT files a member's watch would write, through Garmin's FIT SDK encoder: a day's monitoring (steps) and a
 * night's sleep levels. The demo imports them, and files/ tests its decoder on them (FIT Profile: monitoring 55,
 * monitoring_info 103, sleep_level 275).
 */
import { Encoder, Profile, type FileIdMesg, type MonitoringInfoMesg, type MonitoringMesg, type SleepLevelMesg } from '@garmin/fitsdk'

const { FILE_ID, MONITORING, MONITORING_INFO, SLEEP_LEVEL } = Profile.MesgNum as Record<'FILE_ID' | 'MONITORING' | 'MONITORING_INFO' | 'SLEEP_LEVEL', number>

/** A watch's monitoring file: walking steps, cumulative from the day's start, every 15 minutes. */
export function monitoringFit(dayStartMs: number, cumulativeSteps: readonly number[], serial = 3_900_000_001): Uint8Array {
  const encoder = new Encoder()
  const fileId: FileIdMesg = { type: 'monitoringB', manufacturer: 'garmin', product: 3113, serialNumber: serial, timeCreated: new Date(dayStartMs) }
  encoder.onMesg(FILE_ID, fileId)
  const info: MonitoringInfoMesg = { timestamp: new Date(dayStartMs), localTimestamp: Math.round(dayStartMs / 1000) - 631_065_600 }
  encoder.onMesg(MONITORING_INFO, info)
  cumulativeSteps.forEach((steps, i) => {
    // cycles are strides for walking (scale 2 in the Profile): the SDK's steps subfield reads back 2 × cycles.
    const m: MonitoringMesg = { timestamp: new Date(dayStartMs + (i + 1) * 15 * 60_000), activityType: 'walking', cycles: steps / 2 }
    encoder.onMesg(MONITORING, m)
  })
  return encoder.close()
}

/** A night: sleep levels with the minute each starts. */
export function sleepFit(startMs: number, levels: ReadonlyArray<[minute: number, level: 'awake' | 'light' | 'deep' | 'rem' | 'unmeasurable']>, serial = 3_900_000_001): Uint8Array {
  const encoder = new Encoder()
  // Garmin's own sleep files have a file type outside the public profile; the decoder reads sleep_level
  // messages whatever the file type, so a monitoring file stands in.
  const fileId: FileIdMesg = { type: 'monitoringB', manufacturer: 'garmin', product: 3113, serialNumber: serial, timeCreated: new Date(startMs) }
  encoder.onMesg(FILE_ID, fileId)
  for (const [minute, level] of levels) {
    const m: SleepLevelMesg = { timestamp: new Date(startMs + minute * 60_000), sleepLevel: level }
    encoder.onMesg(SLEEP_LEVEL, m)
  }
  return encoder.close()
}

