/**
 * Seeded randomness: every simulated value derives from (seed, stream name), so a run is reproducible
 * and adding a device does not change the values of the others.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'

export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  uniform(min: number, max: number): number
  /** Normal by Box–Muller. */
  normal(mean: number, sd: number): number
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
}

export function createRandom(seed: number, stream = ''): Random {
  let h = seed >>> 0
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x9e3779b1) >>> 0
  const rng = xoroshiro128plus(h)
  const next = () => uniformFloat64(rng)
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal: (mean, sd) => mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  }
}
