/**
 * GPX 1.1 (https://www.topografix.com/GPX/1/1/) and 1.0 track points with heart rate and cadence from Garmin's
 * TrackPointExtension v1 or v2 (https://www8.garmin.com/xmlschemas/TrackPointExtensionv2.xsd), power from
 * Garmin's PowerExtension v1 (PowerInWatts) or the `<power>` element Strava writes in the GPX namespace.
 * Positions are not kept: Pulseline stores no location, and a track point without a time is no sample.
 */
import type { EquipmentSample, Machine, Sample } from '@pulseline/protocol'
import type { DecodedFile } from '../decoded-file.js'
import { corruptFile } from '../file-error.js'
import { readXml } from './read-xml.js'

const GPX = new Set(['http://www.topografix.com/GPX/1/1', 'http://www.topografix.com/GPX/1/0'])
const TRACK_POINT_EXTENSION = new Set(['http://www.garmin.com/xmlschemas/TrackPointExtension/v1', 'http://www.garmin.com/xmlschemas/TrackPointExtension/v2'])
const POWER_EXTENSION = 'http://www.garmin.com/xmlschemas/PowerExtension/v1'

/** Activity types as exporters write them in trk/type: words, or Strava's numbers (1 ride, 9 run). */
export function machineOfActivity(type: string): Machine | undefined {
  if (/ride|cycl|bik|^1$/i.test(type)) return 'bike'
  if (/run|^9$/i.test(type)) return 'footpod'
  if (/row/i.test(type)) return 'rower'
  return undefined
}

interface Point {
  t?: number
  hr?: number
  cadence?: number
  power?: number
}

export async function decodeGpx(source: string | AsyncIterable<string | Buffer>, file: string): Promise<DecodedFile> {
  const points: Point[] = []
  let point: Point | undefined
  let creator = 'unknown'
  let activity = ''
  let tracks = 0
  let root = false
  await readXml(source, file, {
    open(e, depth) {
      if (depth === 1) {
        if (!GPX.has(e.uri) || e.local !== 'gpx') throw corruptFile(file, 'root element', `expected a GPX document, found {${e.uri}}${e.local}`)
        root = true
        creator = e.attribute('creator') ?? creator
      }
      if (GPX.has(e.uri) && e.local === 'trkpt') point = {}
      if (GPX.has(e.uri) && e.local === 'trk') tracks++
    },
    close(e, text) {
      if (point && GPX.has(e.uri) && e.local === 'trkpt') {
        points.push(point)
        point = undefined
      } else if (point && GPX.has(e.uri) && e.local === 'time') point.t = Date.parse(text)
      else if (point && TRACK_POINT_EXTENSION.has(e.uri) && e.local === 'hr') point.hr = Number(text)
      else if (point && TRACK_POINT_EXTENSION.has(e.uri) && e.local === 'cad') point.cadence = Number(text)
      else if (point && ((e.uri === POWER_EXTENSION && e.local === 'PowerInWatts') || (GPX.has(e.uri) && e.local === 'power'))) point.power = Number(text)
      else if (!point && GPX.has(e.uri) && e.local === 'type' && !activity) activity = text
    },
  })
  if (!root) throw corruptFile(file, 'line 1', 'no GPX root element')
  const machine = machineOfActivity(activity)
  const samples: Sample[] = []
  for (const p of points) {
    if (p.t === undefined || !Number.isFinite(p.t)) continue
    if (p.hr !== undefined) samples.push({ kind: 'hr', t: p.t, bpm: p.hr })
    if (machine && (p.power !== undefined || p.cadence !== undefined)) {
      const e: EquipmentSample = { kind: 'equipment', t: p.t, machine }
      if (p.power !== undefined) e.power_w = p.power
      if (p.cadence !== undefined) e.cadence_rpm = p.cadence
      samples.push(e)
    }
  }
  return { format: 'gpx', device: { maker: creator, product: null, serial: null }, samples, laps: tracks }
}
