/**
 * FIT through Garmin's FIT SDK: a class exported by Pulseline passes the SDK's own integrity check and decodes
 * back to the same records; monitoring and sleep files give steps and sleep; damaged files are refused with
 * the place and the reason; random damage never crashes the decoder (property test).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CrcCalculator, Decoder, Stream } from '@garmin/fitsdk'
import { PulselineError, type EquipmentSample, type HeartRateSample } from '@pulseline/protocol'
import { decodeFit } from '../src/fit/decode-fit.js'
import { encodeActivity, type Activity } from '../src/fit/encode-fit.js'
import { accountOf, planImport } from '../src/plan-import.js'
import { activityTcx } from '../src/xml/write-tcx.js'
import { decodeTcx } from '../src/xml/tcx.js'
import { T0, monitoringFit, sleepFit } from './fixtures.js'
import { refusal } from './refusal.js'

/** A 20-minute ride at 1 Hz: heart rate climbing 100 → 160, power in 30-s steps, distance accumulating. */
function ride(seconds = 1200): Activity {
  let distance = 0
  const records = Array.from({ length: seconds }, (_, i) => {
    const speedKmh = 30 + (i % 60) / 10
    distance += speedKmh / 3.6
    return { t: T0 + i * 1000, hr: 100 + Math.floor((60 * i) / seconds), power: 150 + 10 * Math.floor(i / 30) % 100, cadence: 85 + (i % 7), speedKmh, distanceM: Math.round(distance) }
  })
  return { sport: 'cycling', startMs: T0, endMs: T0 + seconds * 1000, records }
}

describe('FIT', () => {
  const activity = ride()
  const file = encodeActivity(activity)

  it("an exported class passes the FIT SDK's integrity check and holds one activity, session and lap", () => {
    const decoder = new Decoder(Stream.fromByteArray(file))
    expect(decoder.isFIT()).toBe(true)
    expect(decoder.checkIntegrity()).toBe(true)
    const { messages, errors } = decoder.read()
    expect(errors).toEqual([])
    expect(messages.fileIdMesgs?.[0]?.type).toBe('activity')
    expect([messages.activityMesgs?.length, messages.sessionMesgs?.length, messages.lapMesgs?.length]).toEqual([1, 1, 1])
    expect(messages.sessionMesgs?.[0]?.sport).toBe('cycling')
    expect(messages.sessionMesgs?.[0]?.maxHeartRate).toBe(159)
    expect(messages.sessionMesgs?.[0]?.totalElapsedTime).toBe(1200)
  })

  it('decodes back to the same records: heart rate, power, cadence, speed (FIT resolution 1 mm/s) and distance (1 cm)', () => {
    const decoded = decodeFit(file, 'ride.fit')
    const hr = decoded.samples.filter((s): s is HeartRateSample => s.kind === 'hr')
    const eq = decoded.samples.filter((s): s is EquipmentSample => s.kind === 'equipment')
    expect(hr.map((s) => [s.t, s.bpm])).toEqual(activity.records.map((r) => [r.t, r.hr]))
    expect(eq).toHaveLength(activity.records.length)
    eq.forEach((s, i) => {
      const r = activity.records[i]!
      expect([s.t, s.machine, s.power_w, s.cadence_rpm, s.distance_m]).toEqual([r.t, 'bike', r.power, r.cadence, r.distanceM])
      expect(Math.abs(s.speed_kmh! - r.speedKmh!)).toBeLessThanOrEqual(0.0036 + 0.005)
    })
  })

  it('the same class as TCX decodes back to the same records (speed at TCX resolution, 1 mm/s)', async () => {
    const decoded = await decodeTcx(activityTcx(activity), 'ride.tcx')
    const hr = decoded.samples.filter((s): s is HeartRateSample => s.kind === 'hr')
    const eq = decoded.samples.filter((s): s is EquipmentSample => s.kind === 'equipment')
    expect(hr.map((s) => [s.t, s.bpm])).toEqual(activity.records.map((r) => [r.t, r.hr]))
    expect(eq.map((s) => [s.t, s.machine, s.power_w, s.cadence_rpm, s.distance_m])).toEqual(activity.records.map((r) => [r.t, 'bike', r.power, r.cadence, r.distanceM]))
    eq.forEach((s, i) => expect(Math.abs(s.speed_kmh! - activity.records[i]!.speedKmh!)).toBeLessThanOrEqual(0.0036 + 0.005))
    expect(decoded.laps).toBe(1)
  })

  it('the dry run accounts for what would be stored: counts per kind, time range, heart rate mean and maximum', () => {
    const account = accountOf(planImport('ride.fit', decodeFit(file, 'ride.fit')))
    const bpm = activity.records.map((r) => r.hr!)
    expect(account.samples).toEqual({ hr: 1200, equipment: 1200 })
    expect([account.fromMs, account.toMs]).toEqual([T0, T0 + 1199_000])
    expect(account.hr).toEqual({ mean: Math.round((bpm.reduce((a, b) => a + b) / bpm.length) * 10) / 10, max: 159 })
    expect(account.laps).toBe(1)
  })

  it('a monitoring file gives the steps of each interval, from cumulative counts', () => {
    const decoded = decodeFit(monitoringFit(T0, [300, 1000, 1000, 2500]), 'monitor.fit')
    expect(decoded.device).toEqual({ maker: 'garmin', product: expect.any(String), serial: '3900000001' })
    expect(decoded.samples.map((s) => (s.kind === 'steps' ? [s.t - T0, s.count, s.interval_s] : s.kind))).toEqual([
      [900_000, 300, 900],
      [1_800_000, 700, 900],
      [2_700_000, 0, 900],
      [3_600_000, 1500, 900],
    ])
  })

  it('a sleep file gives one epoch per level until the next; unmeasurable is left out', () => {
    const night = Date.UTC(2026, 10, 1, 22, 30)
    const decoded = decodeFit(sleepFit(night, [[0, 'awake'], [12, 'light'], [40, 'deep'], [95, 'unmeasurable'], [100, 'rem'], [125, 'awake']]), 'sleep.fit')
    expect(decoded.samples.map((s) => (s.kind === 'sleep' ? [(s.t - night) / 60_000, s.stage, s.dur_s] : s.kind))).toEqual([
      [0, 'awake', 720],
      [12, 'light', 1680],
      [40, 'deep', 3300],
      [100, 'rem', 1500],
    ])
  })

  describe('damaged files are refused with the place and the reason', () => {
    it('a wrong CRC names the byte where it stands', () => {
      const bad = file.slice()
      bad[200] = bad[200]! ^ 0xff
      const err = refusal(() => decodeFit(bad, 'ride.fit'))
      expect(err.code).toBe('PL_FILE_CORRUPT')
      expect(err.message).toMatch(new RegExp(`^ride.fit: byte ${file.length - 2}: file CRC 0x[0-9a-f]{4} does not match the data`))
    })

    it('a truncated file says how long it should be', () => {
      const err = refusal(() => decodeFit(file.subarray(0, 5000), 'ride.fit'))
      expect(err.message).toBe(`ride.fit: byte 5000: truncated: the header announces ${file.length} bytes`)
    })

    it("a corrupt header fails its own CRC", () => {
      const bad = file.slice()
      bad[1] = bad[1]! ^ 0x01 // protocol version, inside the header CRC
      expect(refusal(() => decodeFit(bad, 'ride.fit')).message).toBe('ride.fit: bytes 0–13: corrupt header: its CRC does not match')
    })

    it('a file that is not FIT is not importable', () => {
      const err = refusal(() => decodeFit(new TextEncoder().encode('<gpx></gpx> and some more bytes'), 'x.fit'))
      expect(err.code).toBe('PL_FILE_FORMAT')
    })
  })

  it('random damage (flipped bytes, cuts, insertions) never crashes: refused with a file error, or decoded and validated', () => {
    const small = encodeActivity(ride(120))
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: small.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat({ max: small.length })),
        fc.boolean(),
        (flips, cut, resealed) => {
          const bad = small.slice()
          for (const [at, mask] of flips) bad[at] = bad[at]! ^ mask
          // Resealed: the CRCs recomputed after the damage, so that the SDK parses damaged content (a hostile
          // file is well sealed) instead of stopping at the CRC.
          if (resealed) {
            const view = new DataView(bad.buffer)
            view.setUint16(12, CrcCalculator.calculateCRC(bad, 0, 12), true)
            view.setUint16(bad.length - 2, CrcCalculator.calculateCRC(bad, 0, bad.length - 2), true)
          }
          const bytes = cut === null ? bad : bad.subarray(0, cut)
          try {
            const plan = planImport('x.fit', decodeFit(bytes, 'x.fit'))
            for (const s of plan.accepted) expect(Number.isFinite(s.t)).toBe(true)
          } catch (err) {
            expect((err as PulselineError).code, String(err)).toMatch(/^PL_FILE_(CORRUPT|FORMAT)$/)
          }
        },
      ),
      { numRuns: 1000 },
    )
  })
})
