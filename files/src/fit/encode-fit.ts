/**
 * A class as a FIT activity file, through Garmin's FIT SDK encoder, for the member to upload to Strava,
 * Garmin Connect or intervals.icu by hand.
 *
 * The messages an activity file needs, in the order the FIT cookbook's "Encoding Activity Files" gives them:
 * file_id (type activity), a timer start event, one record per second with data, a timer stop event, one lap,
 * one session, one activity. Units are the FIT Profile's after scale: speed m/s, distance m, cadence rpm,
 * power W, heart rate bpm.
 */
import { Encoder, Profile, type ActivityMesg, type EventMesg, type FileIdMesg, type LapMesg, type RecordMesg, type SessionMesg } from '@garmin/fitsdk'

export interface ActivityRecord {
  t: number
  hr?: number
  power?: number
  cadence?: number
  speedKmh?: number
  distanceM?: number
}

export interface Activity {
  /** FIT sport name from the Profile's `sport` type: cycling, running, rowing, training, ... */
  sport: string
  startMs: number
  endMs: number
  /** In time order, at most one per second. */
  records: readonly ActivityRecord[]
  /**
   * The recording device for file_id. Pulseline's own exports leave it out and are "development" (255),
   * product 0, with no serial: the Profile's value for software without a manufacturer id, and no serial so
   * that a re-imported export is never taken for one shared device.
   */
  creator?: { manufacturer: NonNullable<FileIdMesg['manufacturer']>; product: number; serial: number }
}

const { FILE_ID, EVENT, RECORD, LAP, SESSION, ACTIVITY } = Profile.MesgNum as Record<'FILE_ID' | 'EVENT' | 'RECORD' | 'LAP' | 'SESSION' | 'ACTIVITY', number>

const mean = (values: number[]) => (values.length ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : undefined)
const max = (values: number[]) => (values.length ? Math.max(...values) : undefined)

export function encodeActivity(activity: Activity): Uint8Array {
  const encoder = new Encoder()
  const start = new Date(activity.startMs)
  const end = new Date(activity.endMs)
  const elapsedS = (activity.endMs - activity.startMs) / 1000
  const hr = activity.records.flatMap((r) => (r.hr === undefined ? [] : [r.hr]))
  const power = activity.records.flatMap((r) => (r.power === undefined ? [] : [r.power]))
  const cadence = activity.records.flatMap((r) => (r.cadence === undefined ? [] : [r.cadence]))
  const distance = max(activity.records.flatMap((r) => (r.distanceM === undefined ? [] : [r.distanceM])))
  const creator = activity.creator
  const fileId: FileIdMesg = creator
    ? { type: 'activity', manufacturer: creator.manufacturer, product: creator.product, serialNumber: creator.serial, timeCreated: end }
    : { type: 'activity', manufacturer: 'development', product: 0, timeCreated: end }
  encoder.onMesg(FILE_ID, fileId)
  const startEvent: EventMesg = { timestamp: start, event: 'timer', eventType: 'start' }
  encoder.onMesg(EVENT, startEvent)
  for (const r of activity.records) {
    const record: RecordMesg = { timestamp: new Date(r.t) }
    if (r.hr !== undefined) record.heartRate = r.hr
    if (r.power !== undefined) record.power = Math.max(0, r.power) // FIT's power is unsigned
    if (r.cadence !== undefined) record.cadence = Math.round(r.cadence)
    if (r.speedKmh !== undefined) record.speed = r.speedKmh / 3.6
    if (r.distanceM !== undefined) record.distance = r.distanceM
    encoder.onMesg(RECORD, record)
  }
  const stopEvent: EventMesg = { timestamp: end, event: 'timer', eventType: 'stopAll' }
  encoder.onMesg(EVENT, stopEvent)
  const totals = {
    startTime: start,
    timestamp: end,
    totalElapsedTime: elapsedS,
    totalTimerTime: elapsedS,
    avgHeartRate: mean(hr),
    maxHeartRate: max(hr),
    avgPower: mean(power),
    maxPower: max(power),
    avgCadence: mean(cadence),
    totalDistance: distance,
  }
  const lap: LapMesg = { messageIndex: 0, event: 'lap', eventType: 'stop', ...totals }
  encoder.onMesg(LAP, lap)
  const session: SessionMesg = { messageIndex: 0, event: 'session', eventType: 'stop', sport: activity.sport as SessionMesg['sport'], numLaps: 1, firstLapIndex: 0, ...totals }
  encoder.onMesg(SESSION, session)
  // local_timestamp is seconds since the FIT epoch (1989-12-31T00:00:00Z) in local time; a class's zone is the gym's, given as UTC here.
  const summary: ActivityMesg = { timestamp: end, numSessions: 1, type: 'manual', event: 'activity', eventType: 'stop', totalTimerTime: elapsedS, localTimestamp: Math.round(activity.endMs / 1000) - 631_065_600 }
  encoder.onMesg(ACTIVITY, summary)
  return encoder.close()
}
