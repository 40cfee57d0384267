/** A bounded window of recent readings (a ring would save a copy; 3 minutes at 1 Hz is small either way). */
import type { SignalPoint } from '../types.js'

export class History {
  readonly points: SignalPoint[] = []
  constructor(private readonly spanMs: number) {}

  push(p: SignalPoint): void {
    this.points.push(p)
    const cutoff = p.t - this.spanMs
    let drop = 0
    while (drop < this.points.length && this.points[drop]!.t < cutoff) drop++
    if (drop > 0) this.points.splice(0, drop)
  }

  last(n: number): SignalPoint[] {
    return this.points.slice(-n)
  }

  since(tMs: number): SignalPoint[] {
    let i = this.points.length
    while (i > 0 && this.points[i - 1]!.t >= tMs) i--
    return this.points.slice(i)
  }
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length
}

export function std(values: readonly number[]): number {
  const m = mean(values)
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length)
}

export function correlation(a: readonly number[], b: readonly number[]): number {
  const ma = mean(a)
  const mb = mean(b)
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb)
    saa += (a[i]! - ma) ** 2
    sbb += (b[i]! - mb) ** 2
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb)
}
