/**
 * Physiologically impossible values and jumps. Heart rate accelerates at a few bpm per second at most, even
 * at the onset of a sprint (its on-kinetics time constant is tens of seconds; see firmware-sim's heart.ts),
 * so a change of `maxJumpBpm` within `withinS` seconds is a detection artefact: doubled or missed beats, or
 * motion. Values outside [minHr, maxHr] are impossible in an exercising adult.
 */
import type { SignalPoint } from '../types.js'

export interface JumpOptions {
  maxJumpBpm: number
  withinS: number
  minHr: number
  maxHr: number
}

export function impossibleJump(points: readonly SignalPoint[], options: JumpOptions): { startMs: number; evidence: Record<string, number> } | null {
  const cur = points.at(-1)
  if (!cur) return null
  if (cur.hr < options.minHr || cur.hr > options.maxHr) return { startMs: cur.t, evidence: { hr: cur.hr } }
  for (let i = points.length - 2; i >= 0 && cur.t - points[i]!.t <= options.withinS * 1000; i--) {
    const jump = cur.hr - points[i]!.hr
    if (Math.abs(jump) >= options.maxJumpBpm) return { startMs: cur.t, evidence: { hr: cur.hr, jumpBpm: jump, overS: (cur.t - points[i]!.t) / 1000 } }
  }
  return null
}
