/**
 * A simulated device: a clock of its own (its sampling period) and a function that produces the samples
 * due at an instant. `samplesUntil` is deterministic for a given seed whatever the caller's timing, so a
 * replay at 60× produces the same values as one in real time.
 */
import type { Sample } from '@pulseline/protocol'

export type DeviceKind = 'strap' | 'watch' | 'bike' | 'treadmill' | 'rower'

export interface SimDevice {
  readonly id: string
  readonly kind: DeviceKind
  /** Id of the member wearing or riding it. */
  readonly memberId: string
  samplesUntil(tMs: number): Sample[]
}

export abstract class PeriodicDevice implements SimDevice {
  abstract readonly kind: DeviceKind
  private nextMs: number

  constructor(
    readonly id: string,
    readonly memberId: string,
    startMs: number,
    /** Sampling period (ms). */
    protected readonly period: number,
  ) {
    this.nextMs = startMs + period
  }

  samplesUntil(tMs: number): Sample[] {
    const out: Sample[] = []
    while (this.nextMs <= tMs) {
      out.push(...this.sampleAt(this.nextMs))
      this.nextMs += this.period
    }
    return out
  }

  protected abstract sampleAt(tMs: number): Sample[]
}
