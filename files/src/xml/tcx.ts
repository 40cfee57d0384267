/**
 * Training Center XML v2 (https://www8.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd): the activities'
 * laps and track points (time, HeartRateBpm/Value, Cadence, DistanceMeters), with speed, power and run
 * cadence from Garmin's ActivityExtension v2 (https://www8.garmin.com/xmlschemas/ActivityExtensionv2.xsd,
 * TPX: Speed in m/s, Watts, RunCadence). The device is the activity's Creator (Name, UnitId as serial).
 */
import type { EquipmentSample, Machine, Sample } from '@pulseline/protocol'
import type { DecodedFile } from '../decoded-file.js'
import { corruptFile } from '../file-error.js'
import { readXml } from './read-xml.js'

const TCX = 'http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2'
const ACTIVITY_EXTENSION = 'http://www.garmin.com/xmlschemas/ActivityExtension/v2'
const MACHINE_OF_SPORT: Record<string, Machine> = { Biking: 'bike', Running: 'footpod' }

interface Point {
  t?: number
  hr?: number
  cadence?: number
  distance?: number
  speed?: number
  power?: number
}

export async function decodeTcx(source: string | AsyncIterable<string | Buffer>, file: string): Promise<DecodedFile> {
  const points: Array<Point & { machine: Machine | undefined }> = []
  let point: Point | undefined
  let machine: Machine | undefined
  let laps = 0
  let root = false
  let inCreator = false
  let inHeartRate = false
  const device = { maker: 'unknown', product: null as string | null, serial: null as string | null }
  await readXml(source, file, {
    open(e, depth) {
      if (depth === 1) {
        if (e.uri !== TCX || e.local !== 'TrainingCenterDatabase') throw corruptFile(file, 'root element', `expected a TCX document, found {${e.uri}}${e.local}`)
        root = true
      }
      if (e.uri !== TCX) return
      if (e.local === 'Activity') machine = MACHINE_OF_SPORT[e.attribute('Sport') ?? '']
      else if (e.local === 'Lap') laps++
      else if (e.local === 'Trackpoint') point = {}
      else if (e.local === 'Creator') inCreator = true
      else if (e.local === 'HeartRateBpm') inHeartRate = true
    },
    close(e, text) {
      if (e.uri === TCX) {
        if (e.local === 'Trackpoint' && point) {
          points.push({ ...point, machine })
          point = undefined
        } else if (e.local === 'Creator') inCreator = false
        else if (e.local === 'HeartRateBpm') inHeartRate = false
        else if (point && e.local === 'Time') point.t = Date.parse(text)
        else if (point && inHeartRate && e.local === 'Value') point.hr = Number(text)
        else if (point && e.local === 'Cadence') point.cadence = Number(text)
        else if (point && e.local === 'DistanceMeters') point.distance = Number(text)
        else if (inCreator && e.local === 'Name') device.maker = text
        else if (inCreator && e.local === 'UnitId') device.serial = text
        else if (inCreator && e.local === 'ProductID') device.product = text
      } else if (e.uri === ACTIVITY_EXTENSION && point) {
        if (e.local === 'Speed') point.speed = Number(text)
        else if (e.local === 'Watts') point.power = Number(text)
        else if (e.local === 'RunCadence') point.cadence = Number(text)
      }
    },
  })
  if (!root) throw corruptFile(file, 'line 1', 'no TCX root element')
  const samples: Sample[] = []
  for (const p of points) {
    if (p.t === undefined || !Number.isFinite(p.t)) continue
    if (p.hr !== undefined) samples.push({ kind: 'hr', t: p.t, bpm: p.hr })
    if (!p.machine) continue
    const e: EquipmentSample = { kind: 'equipment', t: p.t, machine: p.machine }
    if (p.power !== undefined) e.power_w = p.power
    if (p.cadence !== undefined) e.cadence_rpm = p.cadence
    if (p.speed !== undefined) e.speed_kmh = Math.round(p.speed * 3.6 * 100) / 100
    if (p.distance !== undefined) e.distance_m = Math.round(p.distance)
    if (Object.keys(e).length > 3) samples.push(e)
  }
  return { format: 'tcx', device, samples, laps }
}
