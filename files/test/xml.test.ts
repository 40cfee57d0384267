/**
 * GPX and TCX: elements are read by namespace URI whatever prefix the exporter chose; a file that is not
 * well formed is refused with its line and column; a hostile file cannot make the parser read other files.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { PulselineError } from '@pulseline/protocol'
import { decodeGpx } from '../src/xml/gpx.js'
import { decodeTcx } from '../src/xml/tcx.js'
import { sniffFormat } from '../src/read-member-file.js'
import { T0, gpx, tcx, type TrackPoint } from './fixtures.js'

const points: TrackPoint[] = Array.from({ length: 90 }, (_, i) => ({ t: T0 + i * 1000, hr: 110 + (i % 30), cadence: 80 + (i % 5), power: 180 + i }))
const summary = (samples: Awaited<ReturnType<typeof decodeGpx>>['samples']) => samples.map((s) => (s.kind === 'hr' ? ['hr', s.t, s.bpm] : s.kind === 'equipment' ? ['eq', s.t, s.machine, s.power_w, s.cadence_rpm, s.speed_kmh, s.distance_m] : [s.kind]))

async function refusal(p: Promise<unknown>): Promise<PulselineError> {
  return p.then(
    () => {
      throw new Error('expected a refusal')
    },
    (err: PulselineError) => err,
  )
}

describe('GPX', () => {
  it('reads heart rate, cadence and power whatever prefix binds the extension namespace', async () => {
    const expected = points.flatMap((p) => [['hr', p.t, p.hr], ['eq', p.t, 'bike', p.power, p.cadence, undefined, undefined]])
    for (const prefix of ['gpxtpx', 'ns3', 'x']) expect(summary((await decodeGpx(gpx(points, { prefix }), 'a.gpx')).samples)).toEqual(expected)
  })

  it('an element of the right name in another namespace is not taken for heart rate', async () => {
    const text = gpx(points.slice(0, 3)).replace('http://www.garmin.com/xmlschemas/TrackPointExtension/v2', 'http://example.com/not-garmin')
    expect((await decodeGpx(text, 'a.gpx')).samples.filter((s) => s.kind === 'hr')).toEqual([])
  })

  it('a run keeps cadence as a foot pod; an activity of unknown type keeps heart rate only', async () => {
    expect(new Set((await decodeGpx(gpx(points, { type: 'running' }), 'a.gpx')).samples.filter((s) => s.kind === 'equipment').map((s) => s.kind === 'equipment' && s.machine))).toEqual(new Set(['footpod']))
    expect(new Set((await decodeGpx(gpx(points, { type: 'yoga' }), 'a.gpx')).samples.map((s) => s.kind))).toEqual(new Set(['hr']))
  })

  it('XML that is not well formed is refused with its line and column', async () => {
    const broken = gpx(points.slice(0, 5)).replace('</trkseg>', '</trkseq>')
    const line = broken.split('\n').findIndex((l) => l.includes('</trkseq>')) + 1
    const err = await refusal(decodeGpx(broken, 'ride.gpx'))
    expect(err.code).toBe('PL_FILE_CORRUPT')
    expect(err.message).toMatch(new RegExp(`^ride\\.gpx: line ${line}, column \\d+: not well-formed XML: unexpected close tag`))
  })

  it('another document under a .gpx name is refused at its root', async () => {
    const err = await refusal(decodeGpx('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>', 'a.gpx'))
    expect(err.message).toBe('a.gpx: root element: expected a GPX document, found {http://www.opengis.net/kml/2.2}kml')
  })

  it('external entities are not read (no XXE) and entity definitions do not expand', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><type>&x;</type></trk></gpx>`
    const err = await refusal(decodeGpx(xxe, 'a.gpx'))
    expect(err.code).toBe('PL_FILE_CORRUPT')
    expect(err.message).not.toContain('root:')
  })

  it('any bytes: refused with a file error or decoded, never a crash (property test)', async () => {
    const valid = gpx(points.slice(0, 10))
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: valid.length - 1 }), fc.string({ maxLength: 12 }), fc.nat({ max: 12 }), async (at, insert, remove) => {
        const text = valid.slice(0, at) + insert + valid.slice(at + remove)
        try {
          const decoded = await decodeGpx(text, 'f.gpx')
          for (const s of decoded.samples) expect(Number.isFinite(s.t)).toBe(true)
        } catch (err) {
          expect((err as PulselineError).code, String(err)).toBe('PL_FILE_CORRUPT')
        }
      }),
      { numRuns: 500 },
    )
  })
})

describe('TCX', () => {
  const tcxPoints = points.map((p, i) => ({ ...p, distance: i * 8.5, speedMs: 8.5 }))
  const expected = tcxPoints.flatMap((p) => [['hr', p.t, p.hr], ['eq', p.t, 'bike', p.power, p.cadence, 30.6, Math.round(p.distance)]])

  it('reads track points in every lap, with ActivityExtension speed and watts, under any prefixes', async () => {
    for (const [prefix, tcxPrefix] of [['ns3', ''], ['ax', 'tc'], ['tpx', 'ns0']] as const) {
      const decoded = await decodeTcx(tcx(tcxPoints, { prefix, tcxPrefix, laps: 3 }), 'a.tcx')
      expect(summary(decoded.samples)).toEqual(expected)
      expect(decoded.laps).toBe(3)
      expect(decoded.device).toEqual({ maker: 'Forerunner 965', product: '4315', serial: '3987654321' })
    }
  })

  it('sniffs each format from its content, not its name', () => {
    const bytes = (s: string) => new TextEncoder().encode(s)
    expect(sniffFormat(bytes(gpx(points.slice(0, 1), { prefix: 'g' })))).toBe('gpx')
    expect(sniffFormat(bytes(tcx(tcxPoints.slice(0, 1), { tcxPrefix: 'tc' })))).toBe('tcx')
    expect(sniffFormat(bytes('<?xml version="1.0"?>\n<HealthData locale="en_GB">'))).toBe('apple_health')
    expect(sniffFormat(bytes('hello'))).toBeUndefined()
  })
})
