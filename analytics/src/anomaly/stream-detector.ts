/**
 * The live detector for one HR stream: the plain rules for the obvious cases, plus the learned model's
 * score (fed in by the caller, which batches inference over every member; see model/). It turns
 * conditions into episodes: an anomaly is raised when its condition starts and not again until the
 * condition has been clear for `clearS` seconds (dropout: until data flows again).
 */
import type { Anomaly, AnomalyType, Severity, SignalPoint } from './types.js'
import { History } from './rules/history.js'
import { flatline, type FlatlineOptions } from './rules/flatline.js'
import { stale, type StaleOptions } from './rules/stale.js'
import { impossibleJump, type JumpOptions } from './rules/impossible-jump.js'
import { cadenceLock, type CadenceLockOptions } from './rules/cadence-lock.js'
import { workloadMismatch, type WorkloadOptions } from './rules/workload-mismatch.js'

export interface DetectorOptions {
  dropoutS: number
  clearS: number
  flatline: FlatlineOptions
  stale: StaleOptions
  jump: JumpOptions
  cadenceLock: CadenceLockOptions
  workload: WorkloadOptions
  /** Model score at or above which a window is unusual, and how many windows in a row raise it. */
  modelThreshold: number
  modelConsecutive: number
}

export const DEFAULT_DETECTOR: DetectorOptions = {
  dropoutS: 5,
  clearS: 10,
  flatline: { minS: 15 },
  stale: { minRepeats: 4 },
  jump: { maxJumpBpm: 25, withinS: 2, minHr: 30, maxHr: 230 },
  cadenceLock: { windowS: 20, toleranceBpm: 2, minCadence: 50, minCorrelation: 0.8 },
  workload: { windowS: 120, lagS: 20, minPowerSdW: 20, maxHrSdBpm: 2, maxCorrelation: 0.2 },
  modelThreshold: 0.9,
  modelConsecutive: 3,
}

const SEVERITY: Record<AnomalyType, Severity> = {
  dropout: 'alert',
  flatline: 'alert',
  stale: 'warning',
  impossible_jump: 'warning',
  cadence_lock: 'warning',
  workload_mismatch: 'warning',
  elevated_resting_hr: 'info',
  reduced_hrv: 'info',
  unusual_pattern: 'info',
}

export class StreamDetector {
  private readonly history: History
  private readonly open = new Map<AnomalyType, number>() // type → last time its condition held
  private lastT: number | undefined
  /** When the last reading was received (wall clock); silence is measured from it, not from sample time, so a backlog replayed late is not one long dropout. */
  private lastArrivalMs: number | undefined
  private modelRun = 0

  constructor(private readonly options: DetectorOptions = DEFAULT_DETECTOR) {
    this.history = new History(Math.max(options.workload.windowS + options.workload.lagS, options.cadenceLock.windowS, options.flatline.minS * 4) * 1000 + 5000)
  }

  /** The last readings, oldest first (the model's window is taken from here). */
  get recent(): readonly SignalPoint[] {
    return this.history.points
  }

  observe(point: SignalPoint, arrivalMs = point.t): Anomaly[] {
    if (this.lastT !== undefined && point.t <= this.lastT) return [] // replayed or late: already judged
    const out: Anomaly[] = []
    if (this.open.has('dropout')) this.open.delete('dropout')
    this.lastT = point.t
    this.lastArrivalMs = arrivalMs
    this.history.push(point)
    const points = this.history.points
    const o = this.options
    this.judge('flatline', flatline(points, o.flatline), point.t, out)
    this.judge('stale', stale(points, o.stale), point.t, out)
    this.judge('impossible_jump', impossibleJump(points, o.jump), point.t, out)
    this.judge('cadence_lock', cadenceLock(points, o.cadenceLock), point.t, out)
    this.judge('workload_mismatch', workloadMismatch(points, o.workload), point.t, out)
    return out
  }

  /** Called on a clock (the same clock as the arrival times): a stream that has gone silent is a dropout. */
  tick(nowMs: number): Anomaly[] {
    if (this.lastT === undefined || this.lastArrivalMs === undefined || this.open.has('dropout')) return []
    const silentS = (nowMs - this.lastArrivalMs) / 1000
    if (silentS < this.options.dropoutS) return []
    this.open.set('dropout', nowMs)
    return [{ type: 'dropout', severity: SEVERITY.dropout, startMs: this.lastT, detectedMs: this.lastT + (nowMs - this.lastArrivalMs), evidence: { silentS } }]
  }

  /** A gateway's or device's own report that contact or the link was lost. */
  linkLost(tMs: number): Anomaly[] {
    if (this.open.has('dropout')) return []
    this.open.set('dropout', tMs)
    return [{ type: 'dropout', severity: SEVERITY.dropout, startMs: tMs, detectedMs: tMs, evidence: { reported: 1 } }]
  }

  /** The learned model's score for the window ending at `tMs`. */
  modelScore(tMs: number, score: number): Anomaly[] {
    this.modelRun = score >= this.options.modelThreshold ? this.modelRun + 1 : 0
    const out: Anomaly[] = []
    this.judge('unusual_pattern', this.modelRun >= this.options.modelConsecutive ? { startMs: tMs, evidence: { score } } : null, tMs, out)
    return out
  }

  private judge(type: AnomalyType, found: { startMs: number; evidence: Record<string, number> } | null, nowMs: number, out: Anomaly[]): void {
    const lastHeld = this.open.get(type)
    if (found) {
      if (lastHeld === undefined) out.push({ type, severity: SEVERITY[type], startMs: found.startMs, detectedMs: nowMs, evidence: found.evidence })
      this.open.set(type, nowMs)
    } else if (lastHeld !== undefined && nowMs - lastHeld >= this.options.clearS * 1000) {
      this.open.delete(type)
    }
  }
}
