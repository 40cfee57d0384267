import { describe, expect, it } from 'vitest'
import { escapeTag, quoteString, sampleToLines, seriesTags, pointsInSample, type Sample } from '../src/index.js'

const tags = seriesTags('strap-1', 'gym-a')

describe('line protocol escaping', () => {
  it('escapes commas, equals signs and spaces in tags', () => {
    expect(escapeTag('a,b=c d')).toBe('a\\,b\\=c\\ d')
  })

  it('refuses what line protocol cannot represent', () => {
    for (const bad of ['a\nb', 'a\r', 'ends\\', '']) expect(() => escapeTag(bad)).toThrow(/line protocol/)
    expect(() => quoteString('x\ny')).toThrow()
  })

  it('quotes string fields', () => {
    expect(quoteString('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"')
  })

  it('an injected device id stays one tag value', () => {
    const line = sampleToLines({ kind: 'hr', t: 1, bpm: 60 }, seriesTags('a,b=c d', 'g'))
    expect(line).toBe('hr,device=a\\,b\\=c\\ d,gym=g bpm=60i 1\n')
  })
})

describe('sampleToLines', () => {
  it('writes HR with typed fields and one rr point per beat, ending at the sample time', () => {
    const lines = sampleToLines({ kind: 'hr', t: 10_000, bpm: 150, contact: true, energy_kj: 3, rr_ms: [400, 410] }, tags)
    expect(lines).toBe(
      'hr,device=strap-1,gym=gym-a bpm=150i,contact=true,energy_kj=3i 10000\n' +
        'rr,device=strap-1,gym=gym-a rr_ms=400i 9590\n' +
        'rr,device=strap-1,gym=gym-a rr_ms=410i 10000\n',
    )
  })

  it('puts tags in key order with member and per-kind tags', () => {
    const t = seriesTags('d', 'g', 'm')
    expect(sampleToLines({ kind: 'equipment', t: 5, machine: 'bike', power_w: 200, speed_kmh: 31.5 }, t)).toBe(
      'equipment,device=d,gym=g,machine=bike,member=m power_w=200i,speed_kmh=31.5 5\n',
    )
    expect(sampleToLines({ kind: 'sleep', t: 5, stage: 'deep', dur_s: 30 }, t)).toBe('sleep,device=d,gym=g,member=m,stage=deep dur_s=30i 5\n')
  })

  it('writes steps and status', () => {
    expect(sampleToLines({ kind: 'steps', t: 7, total: 100, count: 4, interval_s: 2 }, tags)).toBe(
      'steps,device=strap-1,gym=gym-a total=100i,count=4i,interval_s=2i 7\n',
    )
    expect(sampleToLines({ kind: 'status', t: 7, battery_pct: 9, rssi_dbm: -70, contact: false, link: 'dropout' }, tags)).toBe(
      'device_status,device=strap-1,gym=gym-a battery_pct=9i,rssi_dbm=-70i,contact=false,link="dropout" 7\n',
    )
  })

  it('counts points the way it writes them', () => {
    const samples: Sample[] = [
      { kind: 'hr', t: 1, bpm: 60, rr_ms: [1000, 1000, 990] },
      { kind: 'hr', t: 2, bpm: 60 },
      { kind: 'steps', t: 3, total: 1 },
    ]
    for (const s of samples) expect(pointsInSample(s)).toBe(sampleToLines(s, tags).split('\n').length - 1)
  })
})
