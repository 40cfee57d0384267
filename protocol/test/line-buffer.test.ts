/**
 * The byte writer behind ingest's line protocol. Its integers are held to `String(n)` (the text InfluxDB
 * reads them from), and a sample's lines, written straight into bytes, are read back to the sample.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { LineBuffer, sampleReasons, seriesTags, writeSampleLines, type Sample } from '../src/index.js'
import { arbitrarySample } from './arbitrary-sample.js'
import { parseLine } from './parse-line.js'

describe('LineBuffer', () => {
  it('writes any number as String writes it: safe integers digit by digit, anything else through String', () => {
    const out = new LineBuffer(4)
    const check = (n: number) => {
      out.reset()
      out.int(n)
      expect(out.toString(), String(n)).toBe(String(n))
    }
    for (const n of [0, -0, 9, 10, 2 ** 31 - 1, 2 ** 31, 1e9, 1e9 - 1, 999_999_999_999, 8_640_000_000_000_000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1.5, NaN, 1e21]) check(n)
    fc.assert(fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.double()), (n) => check(n)), { numRuns: 5000 })
  })

  it('keeps every write, in order, across growth from a tiny buffer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'grapheme' }).map((s) => ({ text: s })), fc.maxSafeInteger().map((n) => ({ int: n })), fc.integer({ min: 0, max: 127 }).map((c) => ({ char: c })))),
        (writes) => {
          const out = new LineBuffer(1)
          let expected = ''
          for (const w of writes) {
            if ('text' in w) (out.text(w.text), (expected += w.text))
            else if ('int' in w) (out.int(w.int), (expected += String(w.int)))
            else (out.char(w.char), (expected += String.fromCharCode(w.char)))
          }
          expect(out.toString()).toBe(expected)
          const copy = out.copy()
          out.reset()
          out.text('overwritten')
          expect(copy.toString('utf8')).toBe(expected) // a copy outlives the next message's writes
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('writeSampleLines', () => {
  const NOW = 8_000_000_000_000_000

  it('writes back every value of any valid sample, and an RR line per beat at the time of its beat', () => {
    const out = new LineBuffer(8)
    fc.assert(
      fc.property(fc.array(arbitrarySample, { minLength: 1, maxLength: 5 }), (samples) => {
        fc.pre(samples.every((s) => sampleReasons(s, '', { now: NOW, maxFutureMs: 0, maxSamples: 1 }).length === 0))
        out.reset()
        const tags = seriesTags('strap 1', 'gym,a', 'ann')
        for (const s of samples) writeSampleLines(s as Sample, tags, out)
        const lines = out.toString().split('\n')
        expect(lines.pop()).toBe('') // every line ends in a newline
        for (const s of samples as Sample[]) {
          const { measurement, tags: written, fields, time } = parseLine(lines.shift()!)
          expect(written).toMatchObject({ device: 'strap 1', gym: 'gym,a', member: 'ann' })
          expect(Number(time)).toBe(s.t)
          const values = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.endsWith('i') ? Number(v.slice(0, -1)) : v === 'true' || v === 'false' ? v === 'true' : v.startsWith('"') ? v.slice(1, -1) : Number(v)]))
          const { kind, t, rr_ms, machine, stage, ...rest } = s as Sample & { rr_ms?: number[]; machine?: string; stage?: string }
          expect(values).toEqual(JSON.parse(JSON.stringify(rest))) // -0 is written as 0, as String writes it
          if (machine !== undefined) expect(written.machine).toBe(machine)
          if (stage !== undefined) expect(written.stage).toBe(stage)
          expect(measurement).toBe(kind === 'status' ? 'device_status' : kind)
          // Each interval ends at its beat, the newest at the sample's time: beat i is at t minus the later intervals.
          for (let i = 0; i < (rr_ms ?? []).length; i++) {
            const rr = parseLine(lines.shift()!)
            expect(rr.measurement).toBe('rr')
            expect(Number(rr.fields.rr_ms!.slice(0, -1))).toBe(rr_ms![i])
            expect(Number(rr.time)).toBe(t - rr_ms!.slice(i + 1).reduce((a, b) => a + b, 0))
          }
        }
        expect(lines).toEqual([])
      }),
      { numRuns: 2000 },
    )
  })
})
