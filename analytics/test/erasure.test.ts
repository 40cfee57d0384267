/**
 * An erased member leaves nothing in analytics: their queued derived lines are dropped before they reach
 * InfluxDB (only theirs: a tag that merely starts with their id is someone else's), and their live state goes.
 */
import { describe, expect, it } from 'vitest'
import { pointLine } from '@pulseline/protocol'
import { LineQueue } from '../src/service/line-queue.js'

describe('erasure in analytics', () => {
  it("drops exactly the erased member's queued lines", () => {
    // The queue's InfluxDB client is never called here: nothing is flushed.
    const queue = new LineQueue(undefined as never, 1000)
    for (const member of ['ann', 'anna', 'bob', 'ann']) queue.push(pointLine('effort', { gym: 'g', member, session: 's' }, { points: 1 }, 1_700_000_000_000))
    queue.push(pointLine('anomaly', { device: 'd', gym: 'g', member: 'ann', severity: 'info', type: 'dropout' }, { start_ms: 1 }, 1_700_000_000_000))
    expect(queue.forgetMember('ann')).toBe(3)
    expect(queue.length).toBe(2)
    expect(queue.forgetMember('ann')).toBe(0)
  })
})
