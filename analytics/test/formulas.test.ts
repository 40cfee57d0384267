/**
 * Every formula pinned to values worked by hand from the published equation (sources cited in each
 * module's header and repeated here by name).
 */
import { describe, expect, it } from 'vitest'
import { estimateHrMax, HrMaxRaiser } from '../src/zones/hr-max.js'
import { zoneEdges, zoneOf, ZoneModelError } from '../src/zones/zone-models.js'
import { ZoneTracker } from '../src/zones/zone-tracker.js'
import { keytelKjPerMin, keytelKcalPerMin, keytelValidity } from '../src/effort/calories.js'
import { banisterPerMin, edwardsTrimp } from '../src/effort/trimp.js'
import { effortPoints } from '../src/effort/effort-points.js'
import { EffortAccumulator } from '../src/effort/effort-accumulator.js'
import { summarizeSession } from '../src/effort/session-summary.js'
import { filterRr } from '../src/hrv/rr-filter.js'
import { hrvOf } from '../src/hrv/hrv-metrics.js'

describe('HRmax estimates', () => {
  it('match the published regressions at age 40', () => {
    expect(estimateHrMax(40, 'fox')).toBe(180) // 220 − 40 (Fox 1971)
    expect(estimateHrMax(40, 'tanaka')).toBe(180) // 208 − 0.7×40 (Tanaka 2001)
    expect(estimateHrMax(40, 'gellish')).toBe(179) // 207 − 0.7×40 (Gellish 2007)
    expect(estimateHrMax(40, 'nes')).toBe(185) // 211 − 0.64×40 = 185.4 (Nes 2013)
    expect(estimateHrMax(25)).toBe(191) // default Tanaka: 208 − 17.5 = 190.5
  })

  it('is raised only by a sustained, plausible run above it, to the lowest value of the run', () => {
    const raiser = new HrMaxRaiser(180)
    const t0 = 1_700_000_000_000
    // One artefact spike to 215 followed by normal values: no raise.
    expect(raiser.observe(t0, 178)).toBeUndefined()
    expect(raiser.observe(t0 + 1000, 215)).toBeUndefined()
    for (let i = 2; i < 20; i++) expect(raiser.observe(t0 + i * 1000, 176)).toBeUndefined()
    expect(raiser.hrMax).toBe(180)
    // Eleven seconds at 183–186: raised to 183.
    let raised: number | undefined
    for (let i = 0; i <= 11; i++) raised ??= raiser.observe(t0 + 30_000 + i * 1000, 183 + (i % 4))
    expect(raised).toBe(183)
  })

  it('does not take a jump steeper than the slope guard as the start of a window', () => {
    const raiser = new HrMaxRaiser(180)
    const t0 = 1_700_000_000_000
    raiser.observe(t0, 150)
    // A jump of 50 bpm in one second (cadence lock) then a plateau: the window starts at the plateau only.
    for (let i = 1; i <= 9; i++) expect(raiser.observe(t0 + i * 1000, 200)).toBeUndefined()
  })
})

describe('zone models', () => {
  it('percent of HRmax (ACSM / Edwards five zones)', () => {
    expect(zoneEdges('percent_max', { hrMax: 190 })).toEqual([95, 114, 133, 152, 171])
  })
  it('Karvonen: rest + f × reserve', () => {
    // 60 + {0.5..0.9} × 130
    expect(zoneEdges('karvonen', { hrMax: 190, restingHr: 60 })).toEqual([125, 138, 151, 164, 177])
    expect(() => zoneEdges('karvonen', { hrMax: 190 })).toThrow(ZoneModelError)
  })
  it("Friel's LTHR zones for run and bike", () => {
    const run = zoneEdges('friel_run', { hrMax: 190, lthr: 170 })
    ;[0, 144.5, 153, 161.5, 170].forEach((e, i) => expect(run[i]).toBeCloseTo(e, 9))
    const bike = zoneEdges('friel_bike', { hrMax: 190, lthr: 160 })
    ;[0, 129.6, 144, 150.4, 160].forEach((e, i) => expect(bike[i]).toBeCloseTo(e, 9))
  })
  it('custom edges must be five and ascending', () => {
    expect(zoneEdges('custom', { hrMax: 190, customEdges: [100, 120, 140, 160, 175] })).toEqual([100, 120, 140, 160, 175])
    expect(() => zoneEdges('custom', { hrMax: 190, customEdges: [100, 90, 140, 160, 175] })).toThrow(ZoneModelError)
  })
  it('zoneOf uses lower edges inclusively', () => {
    const edges = [95, 114, 133, 152, 171]
    expect([94, 95, 113.9, 114, 170, 171, 200].map((hr) => zoneOf(hr, edges))).toEqual([0, 1, 1, 2, 4, 5, 5])
  })
})

describe('zone tracker', () => {
  const edges = [95, 114, 133, 152, 171]
  const t0 = 1_700_000_000_000

  it('does not flip on one noisy beat', () => {
    const z = new ZoneTracker(edges)
    for (let i = 0; i < 30; i++) z.observe(t0 + i * 1000, 140)
    expect(z.zone).toBe(3)
    z.observe(t0 + 30_000, 175) // one artefact beat
    expect(z.zone).toBe(3)
    for (let i = 31; i < 60; i++) z.observe(t0 + i * 1000, 160)
    expect(z.zone).toBe(4)
  })

  it('counts time from real gaps, and nothing across a dropout', () => {
    const z = new ZoneTracker(edges)
    // Irregular sampling: 0, 0.5, 2.5, 3 s at zone 3, then a 60 s dropout, then 2 s more.
    for (const dt of [0, 500, 2500, 3000]) z.observe(t0 + dt, 140)
    z.observe(t0 + 63_000, 140)
    z.observe(t0 + 65_000, 140)
    expect(z.secondsInZone[3]).toBeCloseTo(5, 9)
    expect(z.secondsInZone.reduce((a, b) => a + b)).toBeCloseTo(5, 9)
  })
})

describe('Keytel et al. 2005 energy expenditure', () => {
  const man = { sex: 'male' as const, weightKg: 75, age: 30 }
  const woman = { sex: 'female' as const, weightKg: 60, age: 35 }
  it('male, without VO2max', () => {
    // −55.0969 + 0.6309×150 + 0.1988×75 + 0.2017×30 = 60.4991 kJ/min
    expect(keytelKjPerMin(150, man)).toBeCloseTo(60.4991, 4)
    expect(keytelKcalPerMin(150, man)).toBeCloseTo(60.4991 / 4.184, 4)
  })
  it('female, without VO2max', () => {
    // −20.4022 + 0.4472×140 − 0.1263×60 + 0.074×35 = 37.2178 kJ/min
    expect(keytelKjPerMin(140, woman)).toBeCloseTo(37.2178, 4)
  })
  it('with VO2max', () => {
    // −95.7735 + 0.634×150 + 0.404×50 + 0.394×75 + 0.271×30 = 57.2065
    expect(keytelKjPerMin(150, { ...man, vo2max: 50 })).toBeCloseTo(57.2065, 4)
    // −59.3954 + 0.45×140 + 0.380×45 + 0.103×60 + 0.274×35 = −59.3954 + 63 + 17.1 + 6.18 + 9.59 = 36.4746
    expect(keytelKjPerMin(140, { ...woman, vo2max: 45 })).toBeCloseTo(36.4746, 4)
  })
  it('never goes negative and says when it extrapolates', () => {
    expect(keytelKjPerMin(40, man)).toBe(0)
    expect(keytelValidity(150, 190, man)).toEqual([])
    expect(keytelValidity(80, 190, { ...man, age: 60 })).toEqual(['age outside 18–45', 'HR outside 57–90 % of HRmax'])
  })
})

describe('TRIMP and effort points', () => {
  it('Banister, male and female coefficients', () => {
    // x = (125 − 60)/(190 − 60) = 0.5; male 0.5 × 0.64 × e^0.96 = 0.835743; female 0.5 × 0.86 × e^0.835 (2.304815) = 0.991070
    expect(banisterPerMin(125, 60, 190, 'male')).toBeCloseTo(0.835743, 5)
    expect(banisterPerMin(125, 60, 190, 'female')).toBeCloseTo(0.99107, 5)
  })
  it('Edwards: minutes × zone weight', () => {
    // 10 min in each of zones 1–5: 10 × (1+2+3+4+5) = 150
    expect(edwardsTrimp([600, 600, 600, 600, 600, 600])).toBe(150)
  })
  it('effort points by zone, configurable', () => {
    expect(effortPoints([600, 600, 600, 600, 600, 600])).toBe(10 * (0 + 1 + 2 + 3 + 4 + 4))
    expect(effortPoints([0, 0, 0, 0, 0, 120], [0, 0, 0, 0, 1, 2])).toBe(4)
  })
  it('the accumulator integrates real time and skips dropouts', () => {
    const acc = new EffortAccumulator({ sex: 'male', weightKg: 75, age: 30, hrMax: 190, restingHr: 60 })
    const t0 = 1_700_000_000_000
    for (let s = 0; s <= 600; s += 2) acc.observe(t0 + s * 1000, 125) // 10 min at 125 bpm, every 2 s
    acc.observe(t0 + 900_000, 125) // after a 5-minute dropout: not counted
    expect(acc.banisterTrimp).toBeCloseTo(10 * 0.835743, 4)
    // −55.0969 + 0.6309×125 + 14.91 + 6.051 = 44.7266 kJ/min → 10 min / 4.184
    expect(acc.kcal).toBeCloseTo((10 * 44.7266) / 4.184, 2)
  })
})

describe('session summary', () => {
  it('peak minute, recovery, zones and load from a simple interval session', () => {
    const t0 = 1_700_000_000_000
    const readings = []
    // 5 min at 120, 2 min at 175, then 3 min at 130 (an instant drop, to make recovery exact).
    for (let s = 0; s < 600; s++) readings.push({ t: t0 + s * 1000, hr: s < 300 ? 120 : s < 420 ? 175 : 130 })
    const summary = summarizeSession(readings, { sex: 'female', weightKg: 60, age: 35, hrMax: 190, restingHr: 60 }, { zoneEdges: [95, 114, 133, 152, 171] })!
    expect(summary.maxHr).toBe(175)
    expect(summary.peak1MinHr).toBeCloseTo(175, 6)
    expect(summary.hrRecovery1Min).toBe(45) // 175 at the end of the hardest minute, 130 a minute later
    expect(summary.avgHr).toBeCloseTo((300 * 120 + 120 * 175 + 179 * 130) / 599, 6)
    expect(summary.edwardsTrimp).toBeGreaterThan(0)
    expect(summary.secondsInZone.reduce((a, b) => a + b)).toBeCloseTo(599, 6)
  })
})

describe('RR filtering and HRV (Task Force 1996)', () => {
  it('RMSSD, SDNN and pNN50 on a clean series', () => {
    // diffs 10, −20, 15, −10: RMSSD = √(825/4) = 14.3614; SDNN = √(250/4) = 7.9057
    const hrv = hrvOf([800, 810, 790, 805, 795], 5)!
    expect(hrv.rmssdMs).toBeCloseTo(14.3614, 4)
    expect(hrv.sdnnMs).toBeCloseTo(7.9057, 4)
    expect(hrv.pnn50).toBe(0)
  })
  it('pNN50 counts differences above 50 ms', () => {
    // 900, 960 (+60), 900 (−60), 940 (+40): 2 of 3 above 50 ms
    expect(hrvOf([900, 960, 900, 940], 4)!.pnn50).toBeCloseTo(66.6667, 3)
  })
  it('drops out-of-range and ectopic beats and the differences they touch', () => {
    const f = filterRr([800, 810, 250, 805, 1200, 795, 800])
    expect(f.nn).toEqual([800, 810, 805, 795, 800])
    expect(f.rejected).toBe(2)
    // Only 800→810 and 795→800 were adjacent in the recording.
    expect(f.successiveDiffs).toEqual([10, 5])
  })
  it('is null with too few beats', () => {
    expect(hrvOf([800, 810, 790], 30)).toBeNull()
  })
})
