/**
 * The anomaly evaluation: labelled injections into held-out simulated sessions, run through the live
 * detector exactly as the service runs it (readings in order, a clock tick every second, the model scoring
 * the window ending at every reading). Matching: a detection of type T *hits* an injection of type T when it
 * is raised between the injection's start and `graceS` after its end.
 */
import { StreamDetector, DEFAULT_DETECTOR, type DetectorOptions } from '../../src/anomaly/stream-detector.js'
import type { Anomaly, SignalPoint } from '../../src/anomaly/types.js'
import { windows } from '../../src/anomaly/model/features.js'
import type { AnomalyModel } from '../../src/anomaly/model/autoencoder.js'
import { canInject, inject, INJECTED_TYPES, type InjectedType, type Injection } from './inject.js'
import type { SimSession } from './sessions.js'
import { baselineFindings, type DailyValue } from '../../src/anomaly/baseline.js'
import { createRandom } from '@pulseline/firmware-sim'

export async function runDetector(points: readonly SignalPoint[], model: AnomalyModel | undefined, options: DetectorOptions = DEFAULT_DETECTOR): Promise<Anomaly[]> {
  const detector = new StreamDetector(options)
  const scores = model ? await model.score(windows(points.map((p) => p.hr), points.map((_, i) => i))) : undefined
  const out: Anomaly[] = []
  let clock = points[0]?.t ?? 0
  points.forEach((p, i) => {
    for (clock += 1000; clock < p.t; clock += 1000) out.push(...detector.tick(clock))
    clock = p.t
    out.push(...detector.observe(p))
    // The first window is padded until a full one exists; the model speaks only from then on.
    if (scores && i >= 29) out.push(...detector.modelScore(p.t, scores[i]!))
  })
  return out
}

export interface TypeResult {
  type: string
  injections: number
  detections: number
  truePositives: number
  detected: number
  precision: number
  recall: number
  medianDelayS: number | null
}

const GRACE_S = 10

function hits(a: Anomaly, inj: Injection): boolean {
  return a.detectedMs >= inj.startMs && a.detectedMs <= inj.endMs + GRACE_S * 1000
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export interface EvaluationReport {
  sessions: number
  perType: TypeResult[]
  unusualPattern: TypeResult
  /** The model's own output (unusual_pattern) against each injected type, with the rules' output left aside. */
  modelAlone: TypeResult[]
  /** Injections the model found and the rule named for them did not: what the model adds. */
  modelOnly: { type: string; injection: Injection }[]
  clean: { memberHours: number; falseAlarms: number; perMemberHour: number; byType: Record<string, number> }
  baseline: TypeResult[]
}

export async function evaluate(sessions: readonly SimSession[], model: AnomalyModel | undefined, options: DetectorOptions = DEFAULT_DETECTOR): Promise<EvaluationReport> {
  const perType: TypeResult[] = []
  const allInjected: { injection: Injection; anomalies: Anomaly[] }[] = []
  for (const type of INJECTED_TYPES) {
    const delays: number[] = []
    let injections = 0
    let detections = 0
    let truePositives = 0
    let detected = 0
    for (const session of sessions) {
      if (!canInject(type, session)) continue
      const { points, injection } = inject(session, type, session.seed * 7 + INJECTED_TYPES.indexOf(type))
      const anomalies = await runDetector(points, model, options)
      allInjected.push({ injection, anomalies })
      injections++
      const ofType = anomalies.filter((a) => a.type === type)
      detections += ofType.length
      const hitting = ofType.filter((a) => hits(a, injection))
      truePositives += hitting.length
      if (hitting.length > 0) {
        detected++
        delays.push((hitting[0]!.detectedMs - injection.startMs) / 1000)
      }
    }
    perType.push({ type, injections, detections, truePositives, detected, precision: detections ? truePositives / detections : 1, recall: injections ? detected / injections : 0, medianDelayS: median(delays) })
  }

  // The model is a catch-all: its detections count as right when they fall on any injection.
  const unusual = allInjected.map(({ injection, anomalies }) => ({ injection, found: anomalies.filter((a) => a.type === 'unusual_pattern') }))
  const unusualHits = unusual.flatMap(({ injection, found }) => found.filter((a) => hits(a, injection)))
  const unusualDetected = unusual.filter(({ injection, found }) => found.some((a) => hits(a, injection)))
  const unusualCount = unusual.reduce((n, u) => n + u.found.length, 0)
  const unusualPattern: TypeResult = {
    type: 'unusual_pattern (any injection)',
    injections: unusual.length,
    detections: unusualCount,
    truePositives: unusualHits.length,
    detected: unusualDetected.length,
    precision: unusualCount ? unusualHits.length / unusualCount : 1,
    recall: unusual.length ? unusualDetected.length / unusual.length : 0,
    medianDelayS: median(unusualDetected.map(({ injection, found }) => (found.find((a) => hits(a, injection))!.detectedMs - injection.startMs) / 1000)),
  }

  const modelAlone: TypeResult[] = INJECTED_TYPES.map((type) => {
    const ofType = unusual.filter(({ injection }) => injection.type === type)
    const detected = ofType.filter(({ injection, found }) => found.some((a) => hits(a, injection)))
    const detections = ofType.reduce((n, u) => n + u.found.length, 0)
    const truePositives = ofType.reduce((n, { injection, found }) => n + found.filter((a) => hits(a, injection)).length, 0)
    return {
      type,
      injections: ofType.length,
      detections,
      truePositives,
      detected: detected.length,
      precision: detections ? truePositives / detections : 1,
      recall: ofType.length ? detected.length / ofType.length : 0,
      medianDelayS: median(detected.map(({ injection, found }) => (found.find((a) => hits(a, injection))!.detectedMs - injection.startMs) / 1000)),
    }
  })
  const modelOnly = allInjected
    .filter(({ injection, anomalies }) => anomalies.some((a) => a.type === 'unusual_pattern' && hits(a, injection)) && !anomalies.some((a) => a.type === injection.type && hits(a, injection)))
    .map(({ injection }) => ({ type: injection.type, injection }))

  let memberHours = 0
  const byType: Record<string, number> = {}
  for (const session of sessions) {
    memberHours += (session.points.at(-1)!.t - session.points[0]!.t) / 3_600_000
    for (const a of await runDetector(session.points, model, options)) byType[a.type] = (byType[a.type] ?? 0) + 1
  }
  const falseAlarms = Object.values(byType).reduce((a, b) => a + b, 0)
  return { sessions: sessions.length, perType, unusualPattern, modelAlone, modelOnly, clean: { memberHours, falseAlarms, perMemberHour: falseAlarms / memberHours, byType }, baseline: evaluateBaseline(sessions.length) }
}

/**
 * Daily baselines: 90 simulated days per member (resting HR and nightly RMSSD with day-to-day noise as
 * reported for healthy adults: about ±2 bpm and ±10 % ln-RMSSD CV), with elevated resting HR (+7–12 bpm)
 * and suppressed RMSSD (× 0.45–0.6) injected on about 5 % of days after the first 30.
 */
export function evaluateBaseline(members: number): TypeResult[] {
  const counts = { elevated_resting_hr: { inj: 0, det: 0, tp: 0 }, reduced_hrv: { inj: 0, det: 0, tp: 0 } }
  for (let m = 0; m < members; m++) {
    const random = createRandom(200_000 + m, 'baseline')
    const rest = random.uniform(48, 72)
    const rmssd = random.uniform(25, 80)
    const days: DailyValue[] = []
    const truth = new Map<string, 'elevated_resting_hr' | 'reduced_hrv'>()
    for (let d = 0; d < 90; d++) {
      const date = new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10)
      let restingHr = rest + random.normal(0, 2)
      let rm = rmssd * Math.exp(random.normal(0, 0.1))
      if (d >= 30 && random.next() < 0.05) {
        if (random.next() < 0.5) {
          restingHr += random.uniform(7, 12)
          truth.set(date, 'elevated_resting_hr')
        } else {
          rm *= random.uniform(0.45, 0.6)
          truth.set(date, 'reduced_hrv')
        }
      }
      days.push({ date, restingHr, rmssdMs: rm })
    }
    for (const t of truth.values()) counts[t].inj++
    const findings = baselineFindings(days)
    for (const f of findings) {
      counts[f.type].det++
      if (truth.get(f.date) === f.type) counts[f.type].tp++
    }
  }
  return Object.entries(counts).map(([type, c]) => ({ type, injections: c.inj, detections: c.det, truePositives: c.tp, detected: c.tp, precision: c.det ? c.tp / c.det : 1, recall: c.inj ? c.tp / c.inj : 0, medianDelayS: null }))
}

export { INJECTED_TYPES, type InjectedType }
