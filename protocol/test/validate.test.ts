import { describe, expect, it } from 'vitest'
import { DEFAULT_VALIDATE_OPTIONS, validatePayload } from '../src/index.js'

const now = Date.UTC(2026, 0, 1, 12)
const opts = { ...DEFAULT_VALIDATE_OPTIONS, now }
const payload = (samples: unknown[]) => JSON.stringify({ v: 1, samples })

describe('validatePayload', () => {
  it('accepts every kind of valid sample', () => {
    const r = validatePayload(
      payload([
        { kind: 'hr', t: now, bpm: 142, rr_ms: [412, 430], contact: true, energy_kj: 12 },
        { kind: 'steps', t: now, total: 1200, count: 20, interval_s: 10 },
        { kind: 'sleep', t: now, stage: 'rem', dur_s: 30 },
        { kind: 'equipment', t: now, machine: 'rower', stroke_rate_spm: 28, power_w: 210, pace_s_per_500m: 118.5 },
        { kind: 'status', t: now, battery_pct: 80, link: 'connected' },
      ]),
      opts,
    )
    expect(r.payloadReasons).toEqual([])
    expect(r.rejected).toEqual([])
    expect(r.accepted).toHaveLength(5)
  })

  it('rejects bad JSON with one payload reason', () => {
    const r = validatePayload('{"v":1,', opts)
    expect(r.payloadReasons.map((x) => x.code)).toEqual(['PL_PAYLOAD_NOT_JSON'])
  })

  it('rejects an unknown version before looking at the shape', () => {
    expect(validatePayload('{"v":2,"samples":[]}', opts).payloadReasons[0]!.code).toBe('PL_PAYLOAD_VERSION')
  })

  it('rejects a wrong envelope', () => {
    expect(validatePayload('{"v":1,"samples":[],"x":1}', opts).payloadReasons[0]!.code).toBe('PL_PAYLOAD_SHAPE')
    expect(validatePayload('[1,2]', opts).payloadReasons[0]!.code).toBe('PL_PAYLOAD_SHAPE')
  })

  it('rejects a batch over the limit', () => {
    const samples = Array.from({ length: 3 }, (_, i) => ({ kind: 'hr', t: now + i, bpm: 60 }))
    expect(validatePayload(payload(samples), { ...opts, maxSamples: 2 }).payloadReasons[0]!.code).toBe('PL_BATCH_TOO_LARGE')
  })

  it('keeps the valid samples of a batch and returns every reason for the bad ones', () => {
    const r = validatePayload(
      payload([
        { kind: 'hr', t: now, bpm: 120 },
        { kind: 'hr', t: now + 1000, bpm: 400, rr_ms: [100], extra: 1 },
        { kind: 'teleport', t: now },
        { kind: 'hr', t: now + 2000, bpm: 121 },
      ]),
      opts,
    )
    expect(r.accepted.map((s) => s.t)).toEqual([now, now + 2000])
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2])
    const codes = r.rejected[0]!.reasons.map((x) => `${x.code} ${x.path}`)
    expect(codes).toContain('PL_SAMPLE_OUT_OF_RANGE /samples/1/bpm')
    expect(codes).toContain('PL_SAMPLE_OUT_OF_RANGE /samples/1/rr_ms/0')
    expect(codes.some((c) => c.startsWith('PL_SAMPLE_SCHEMA'))).toBe(true)
    expect(r.rejected[1]!.reasons[0]!.code).toBe('PL_SAMPLE_UNKNOWN_KIND')
  })

  it('rejects timestamps from the future beyond the skew allowance, and before 2000', () => {
    const r = validatePayload(
      payload([
        { kind: 'hr', t: now + DEFAULT_VALIDATE_OPTIONS.maxFutureMs, bpm: 60 },
        { kind: 'hr', t: now + DEFAULT_VALIDATE_OPTIONS.maxFutureMs + 1, bpm: 60 },
        { kind: 'hr', t: 0, bpm: 60 },
        { kind: 'hr', t: 1.5e12 + 0.5, bpm: 60 },
      ]),
      opts,
    )
    expect(r.accepted).toHaveLength(1)
    expect(r.rejected.map((x) => x.reasons[0]!.code)).toEqual(['PL_SAMPLE_FUTURE', 'PL_SAMPLE_OUT_OF_RANGE', 'PL_SAMPLE_SCHEMA'])
  })

  it('applies the cross-field rules', () => {
    const r = validatePayload(
      payload([
        { kind: 'steps', t: now },
        { kind: 'steps', t: now, count: 5 },
        { kind: 'steps', t: now, count: 100, interval_s: 10 },
        { kind: 'equipment', t: now, machine: 'bike' },
        { kind: 'status', t: now },
      ]),
      opts,
    )
    expect(r.rejected.map((x) => x.reasons.map((y) => y.code))).toEqual([
      ['PL_SAMPLE_EMPTY'],
      ['PL_SAMPLE_INCONSISTENT'],
      ['PL_SAMPLE_OUT_OF_RANGE'],
      ['PL_SAMPLE_EMPTY'],
      ['PL_SAMPLE_EMPTY'],
    ])
  })

  it('refuses non-integer ints, NaN-like strings and prototype keys', () => {
    const r = validatePayload(
      payload([
        { kind: 'hr', t: now, bpm: 60.5 },
        { kind: 'hr', t: now, bpm: '60' },
        { kind: '__proto__', t: now },
        { kind: 'equipment', t: now, machine: 'bike', power_w: 100.2 },
      ]),
      opts,
    )
    expect(r.accepted).toEqual([])
    expect(r.rejected.map((x) => x.reasons[0]!.code)).toEqual([
      'PL_SAMPLE_SCHEMA',
      'PL_SAMPLE_SCHEMA',
      'PL_SAMPLE_UNKNOWN_KIND',
      'PL_SAMPLE_SCHEMA',
    ])
  })
})
