/**
 * Rendezvous hashing, as the gym split uses it: every gym has exactly one owner among the instances
 * alive, the gyms spread about evenly, and when an instance goes only its gyms move (to the others), and
 * when one comes it takes only gyms that become its own.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ownerOf } from '../src/cluster/gym-split.js'

const gyms = Array.from({ length: 600 }, (_, i) => `gym-${i}`)

describe('the gym split', () => {
  it('spreads gyms about evenly over the instances', () => {
    const counts = new Map<string, number>()
    for (const g of gyms) counts.set(ownerOf(g, ['a', 'b', 'c'])!, (counts.get(ownerOf(g, ['a', 'b', 'c'])!) ?? 0) + 1)
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c'])
    // 600 gyms over 3: a binomial with σ ≈ 11.5 around 200; ±50 is more than four σ.
    for (const n of counts.values()) expect(Math.abs(n - 200)).toBeLessThan(50)
  })

  it('moves only the gyms of an instance that goes, and only to the ones that stay (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { minLength: 2, maxLength: 8 }), fc.nat(), (instances, k) => {
        const gone = instances[k % instances.length]!
        const left = instances.filter((i) => i !== gone)
        for (const g of gyms.slice(0, 100)) {
          const before = ownerOf(g, instances)!
          const after = ownerOf(g, left)!
          if (before !== gone) expect(after).toBe(before)
          expect(left).toContain(after)
          // The order instances are listed in does not matter: every instance computes the same owner.
          expect(ownerOf(g, [...instances].reverse())).toBe(before)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('has no owner without instances', () => {
    expect(ownerOf('gym-1', [])).toBeUndefined()
  })
})
