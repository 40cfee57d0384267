/**
 * The zone a coach sees, and time in each zone.
 *
 * Smoothing: HR goes through an exponential moving average whose weight follows the real time step
 * (alpha = 1 − e^(−dt/τ)), so a burst of samples does not count more than a sparse stream; the shown zone
 * changes only when the smoothed HR is past the zone's edge by `hysteresisBpm`. One noisy beat moves the
 * average by at most (jump × alpha) and so does not flip the zone.
 *
 * Time in zone adds the real gap between consecutive readings to the zone shown at the earlier one; a gap
 * longer than `maxGapS` is a dropout and counts in no zone, so a strap that was off does not inflate the
 * zone it was last in.
 */
import { zoneOf } from './zone-models.js'

export interface ZoneTrackerOptions {
  tauS: number
  hysteresisBpm: number
  maxGapS: number
}

export const DEFAULT_ZONE_TRACKER: ZoneTrackerOptions = { tauS: 5, hysteresisBpm: 2, maxGapS: 5 }

export class ZoneTracker {
  smoothedHr: number | undefined
  zone = 0
  /** Seconds in zones 0..5. */
  readonly secondsInZone = [0, 0, 0, 0, 0, 0]
  private lastMs: number | undefined

  constructor(
    public edges: readonly number[],
    private readonly options: ZoneTrackerOptions = DEFAULT_ZONE_TRACKER,
  ) {}

  observe(tMs: number, hr: number): number {
    if (this.lastMs !== undefined && tMs <= this.lastMs) return this.zone // late or repeated: already counted
    const gapS = this.lastMs === undefined ? Infinity : (tMs - this.lastMs) / 1000
    if (gapS <= this.options.maxGapS) this.secondsInZone[this.zone]! += gapS
    if (this.smoothedHr === undefined || gapS > this.options.maxGapS) {
      this.smoothedHr = hr
      this.zone = zoneOf(hr, this.edges)
    } else {
      this.smoothedHr += (hr - this.smoothedHr) * (1 - Math.exp(-gapS / this.options.tauS))
      this.zone = this.nextZone(this.smoothedHr)
    }
    this.lastMs = tMs
    return this.zone
  }

  private nextZone(hr: number): number {
    const up = zoneOf(hr - this.options.hysteresisBpm, this.edges)
    if (up > this.zone) return up
    const down = zoneOf(hr + this.options.hysteresisBpm, this.edges)
    if (down < this.zone) return down
    return this.zone
  }

}
