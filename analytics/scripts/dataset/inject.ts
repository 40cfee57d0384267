/**
 * Labelled anomalies injected into clean simulated sessions, each as the failure looks in real data:
 *
 *   dropout            no readings for 8–60 s (strap lost contact, link lost)
 *   flatline           HR stuck at one value for 30–120 s, no RR
 *   stale              the last notification, HR and RR, re-sent for 6–12 s
 *   impossible_jump    HR off by 30–60 bpm for 1–5 s (doubled or missed beats)
 *   cadence_lock       optical HR replaced by the cadence for 60–180 s (watch sessions, while moving)
 *   workload_mismatch  HR frozen near its level (± noise) for 4–6 min while power varies (bike sessions)
 */
import { createRandom } from '@pulseline/firmware-sim'
import type { AnomalyType, SignalPoint } from '../../src/anomaly/types.js'
import type { SimSession } from './sessions.js'

export type InjectedType = Exclude<AnomalyType, 'elevated_resting_hr' | 'reduced_hrv' | 'unusual_pattern'>
export const INJECTED_TYPES: readonly InjectedType[] = ['dropout', 'flatline', 'stale', 'impossible_jump', 'cadence_lock', 'workload_mismatch']

export interface Injection {
  type: InjectedType
  startMs: number
  endMs: number
}

export function canInject(type: InjectedType, session: SimSession): boolean {
  if (type === 'stale') return session.kind === 'strap_bike'
  if (type === 'cadence_lock') return session.kind !== 'strap_bike'
  if (type === 'workload_mismatch') return session.kind !== 'watch_run'
  return true
}

/** Injects one anomaly of `type` somewhere in the class; returns the changed points and the label. */
export function inject(session: SimSession, type: InjectedType, seed: number): { points: SignalPoint[]; injection: Injection } {
  const random = createRandom(seed, `inject:${type}`)
  const points = session.points.map((p) => ({ ...p }))
  const duration: Record<InjectedType, [number, number]> = {
    dropout: [8, 60],
    flatline: [30, 120],
    stale: [6, 12],
    impossible_jump: [1, 5],
    cadence_lock: [60, 180],
    workload_mismatch: [240, 360],
  }
  const [lo, hi] = duration[type]
  const lengthS = random.int(lo, hi)
  // Inside the class (minutes 8–45), where the interesting signal is and the machine is in use.
  let startIndex = random.int(8 * 60, 45 * 60 - lengthS)
  if (type === 'cadence_lock') while (startIndex < points.length && (points[startIndex]!.cadence ?? 0) < 60) startIndex++
  const start = points[startIndex]!
  const endMs = start.t + lengthS * 1000
  const inside = (p: SignalPoint) => p.t >= start.t && p.t < endMs
  const injection: Injection = { type, startMs: start.t, endMs }
  switch (type) {
    case 'dropout':
      return { points: points.filter((p) => !inside(p)), injection }
    case 'flatline':
      for (const p of points.filter(inside)) {
        p.hr = start.hr
        delete p.rr
      }
      break
    case 'stale':
      for (const p of points.filter(inside)) {
        p.hr = start.hr
        p.rr = start.rr ? [...start.rr] : [Math.round(60000 / start.hr)]
      }
      break
    case 'impossible_jump': {
      const jump = (random.next() < 0.5 ? -1 : 1) * random.int(30, 60)
      for (const p of points.filter(inside)) {
        p.hr = Math.min(240, Math.max(25, p.hr + jump))
        delete p.rr
      }
      break
    }
    case 'cadence_lock':
      for (const p of points.filter(inside)) if (p.cadence !== undefined) p.hr = Math.round(p.cadence)
      break
    case 'workload_mismatch':
      for (const p of points.filter(inside)) {
        p.hr = Math.round(start.hr + random.normal(0, 1))
        delete p.rr
      }
      break
  }
  return { points, injection }
}
