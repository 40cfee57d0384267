/** A member erased from anywhere leaves the dashboard's live state within a poll of the change feed. */
import { afterAll, describe, expect, it } from 'vitest'
import { SqliteRegistry } from '@pulseline/registry'
import { LiveHub } from '../src/live/live-hub.js'
import { followErasures } from '../src/live/erasures.js'

describe('erasures seen by the dashboard', () => {
  const registry = SqliteRegistry.open(':memory:')
  afterAll(() => registry.close())

  it("drops the erased member's tile and alerts, and nobody else's", async () => {
    await registry.createGym({ id: 'g', name: 'G', timezone: 'UTC' })
    for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'g', role: 'member', displayName: id, login: null })
    const hub = new LiveHub()
    for (const member of ['ann', 'bob']) {
      hub.tile({ member, gym: 'g', t: Date.now() })
      hub.alert('g', member, { type: 'dropout', member })
    }
    const follower = followErasures(registry, (m) => hub.forgetMember(m), 100)
    await new Promise((r) => setTimeout(r, 150)) // the first poll finds where the feed is
    await registry.eraseUser('ann', 'cli')
    await expect.poll(() => hub.snapshot('member/ann').length, { timeout: 2000 }).toBe(0)
    expect(hub.snapshot('member/bob')).toHaveLength(1)
    expect(hub.snapshot('gym/g/anomalies').map((j) => JSON.parse(j).data.member)).toEqual(['bob'])
    follower.stop()
  })
})
