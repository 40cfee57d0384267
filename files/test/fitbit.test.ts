/**
 * Fitbit's account data export: heart rate, steps and sleep JSON, times without a zone read in the zones the
 * import is given (intraday UTC, sleep the member's), damaged JSON refused with its place.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { PulselineError } from '@pulseline/protocol'
import { decodeFitbit, fitbitTime, zonedTime } from '../src/fitbit/fitbit-export.js'
import { decodeMemberFile } from '../src/read-member-file.js'
import { planImport } from '../src/plan-import.js'
import { refusal } from './refusal.js'

const zones = { intraday: 'UTC', sleep: 'Europe/Zurich' }
const json = (v: unknown) => JSON.stringify(v, null, 2)

describe('Fitbit export', () => {
  it('reads wall-clock times in a zone, summer and winter', () => {
    expect(zonedTime(2026, 11, 1, 23, 46, 0, 'Europe/Zurich')).toBe(Date.UTC(2026, 10, 1, 22, 46)) // CET, +1
    expect(zonedTime(2026, 7, 1, 23, 46, 0, 'Europe/Zurich')).toBe(Date.UTC(2026, 6, 1, 21, 46)) // CEST, +2
    expect(zonedTime(2026, 7, 1, 8, 0, 0, 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 12, 0)) // EDT, −4
    expect(fitbitTime('11/02/26 07:00:05', 'UTC')).toBe(Date.UTC(2026, 10, 2, 7, 0, 5))
    expect(fitbitTime('2026-11-01T23:46:00.000', 'Europe/Zurich')).toBe(Date.UTC(2026, 10, 1, 22, 46))
    expect(fitbitTime('yesterday', 'UTC')).toBeNaN()
  })

  it('heart rate: one sample per record, an impossible one refused by the live validation', () => {
    const text = json([
      { dateTime: '11/02/26 07:00:05', value: { bpm: 62, confidence: 2 } },
      { dateTime: '11/02/26 07:00:10', value: { bpm: 64, confidence: 3 } },
      { dateTime: '11/02/26 07:00:15', value: { bpm: 400, confidence: 0 } },
    ])
    const plan = planImport('heart_rate-2026-11-02.json', decodeFitbit(text, 'heart_rate-2026-11-02.json', zones), Date.UTC(2026, 10, 3))
    expect(plan.accepted.map((s) => (s.kind === 'hr' ? [s.t, s.bpm] : s.kind))).toEqual([
      [Date.UTC(2026, 10, 2, 7, 0, 5), 62],
      [Date.UTC(2026, 10, 2, 7, 0, 10), 64],
    ])
    expect(Object.keys(plan.tally.refused)).toEqual(['PL_SAMPLE_OUT_OF_RANGE'])
  })

  it('steps: one count per minute that has any, ending with its minute', () => {
    const text = json([
      { dateTime: '11/02/26 07:00:00', value: '0' },
      { dateTime: '11/02/26 07:01:00', value: '48' },
      { dateTime: '11/02/26 07:02:00', value: '103' },
    ])
    expect(decodeFitbit(text, 'steps.json', zones).samples).toEqual([
      { kind: 'steps', t: Date.UTC(2026, 10, 2, 7, 2), count: 48, interval_s: 60 },
      { kind: 'steps', t: Date.UTC(2026, 10, 2, 7, 3), count: 103, interval_s: 60 },
    ])
  })

  it("sleep: stages in the member's zone; classic logs' restless counted awake", () => {
    const text = json([
      {
        logId: 1,
        dateOfSleep: '2026-11-02',
        startTime: '2026-11-01T23:46:00.000',
        type: 'stages',
        levels: { data: [{ dateTime: '2026-11-01T23:46:00.000', level: 'wake', seconds: 300 }, { dateTime: '2026-11-01T23:51:00.000', level: 'light', seconds: 1800 }, { dateTime: '2026-11-02T00:21:00.000', level: 'deep', seconds: 3600 }, { dateTime: '2026-11-02T01:21:00.000', level: 'rem', seconds: 1200 }] },
      },
      { logId: 2, dateOfSleep: '2026-11-03', startTime: '2026-11-02T23:00:00.000', type: 'classic', levels: { data: [{ dateTime: '2026-11-02T23:00:00.000', level: 'asleep', seconds: 600 }, { dateTime: '2026-11-02T23:10:00.000', level: 'restless', seconds: 120 }] } },
    ])
    const samples = decodeFitbit(text, 'sleep.json', zones).samples
    expect(samples.map((s) => (s.kind === 'sleep' ? [s.t, s.stage, s.dur_s] : s.kind))).toEqual([
      [Date.UTC(2026, 10, 1, 22, 46), 'awake', 300],
      [Date.UTC(2026, 10, 1, 22, 51), 'light', 1800],
      [Date.UTC(2026, 10, 1, 23, 21), 'deep', 3600],
      [Date.UTC(2026, 10, 2, 0, 21), 'rem', 1200],
      [Date.UTC(2026, 10, 2, 22, 0), 'asleep', 600],
      [Date.UTC(2026, 10, 2, 22, 10), 'awake', 120],
    ])
  })

  it('damaged JSON is refused with its place; other JSON is not a Fitbit file', async () => {
    const broken = refusal(() => decodeFitbit('[{"dateTime": "11/02/26 07:00:05", "value": {"bpm": 62}', 'hr.json', zones))
    expect(broken.code).toBe('PL_FILE_CORRUPT')
    expect(broken.message).toMatch(/^hr\.json: (byte \d+|data): not well-formed JSON/)
    expect(refusal(() => decodeFitbit('{"weight": 61}', 'w.json', zones)).code).toBe('PL_FILE_FORMAT')
    expect(refusal(() => decodeFitbit('[{"logId": 1, "levels": {"data": [null]}}]', 's.json', zones)).message).toBe('s.json: record 1: a sleep level is not an object')
    // Recognised by content through the same entry point as an upload.
    const decoded = await decodeMemberFile(new TextEncoder().encode(json([{ dateTime: '11/02/26 07:00:05', value: { bpm: 62, confidence: 2 } }])), 'x.json', { fitbit: zones })
    expect(decoded.format).toBe('fitbit')
  })

  it('any JSON value or edited file: refused with a file error or decoded, never a crash (property test)', () => {
    const valid = json([{ dateTime: '11/02/26 07:00:05', value: { bpm: 62, confidence: 2 } }, { logId: 1, levels: { data: [{ dateTime: '2026-11-01T23:46:00.000', level: 'wake', seconds: 300 }] } }])
    const decodes = (text: string) => {
      try {
        for (const s of decodeFitbit(text, 'f.json', zones).samples) expect(['hr', 'steps', 'sleep']).toContain(s.kind)
      } catch (err) {
        expect((err as PulselineError).code, String(err)).toMatch(/^PL_FILE_(CORRUPT|FORMAT)$/)
      }
    }
    fc.assert(fc.property(fc.json(), decodes), { numRuns: 500 })
    fc.assert(fc.property(fc.nat({ max: valid.length - 1 }), fc.string({ maxLength: 8 }), fc.nat({ max: 8 }), (at, insert, remove) => decodes(valid.slice(0, at) + insert + valid.slice(at + remove))), { numRuns: 500 })
  })
})
