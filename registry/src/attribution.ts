/**
 * Which member a device's sample belongs to: the one whose assignment covered the sample's own time, not
 * the time it was written. Assignments of a device never overlap (the registry refuses it), so a binary
 * search over their start times finds the one.
 */
import type { Assignment } from './types.js'

/** `assignments` sorted by fromMs. Returns the user id, or undefined when nobody wore the device then. */
export function memberAt(assignments: readonly Assignment[], t: number): string | undefined {
  let lo = 0
  let hi = assignments.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (assignments[mid]!.fromMs <= t) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  if (found < 0) return undefined
  const a = assignments[found]!
  return a.toMs === null || t < a.toMs ? a.userId : undefined
}
