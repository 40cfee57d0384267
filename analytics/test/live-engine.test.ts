/**
 * The live engine without a broker: readings of one device handled in arrival order even when messages
 * overlap, and what a tile says.
 */
import { describe, expect, it } from 'vitest'
import { MemberAttribution } from '@pulseline/registry'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { LiveEngine } from '../src/live/live-engine.js'
import { resolvePhysiology } from '../src/live/physiology.js'
import type { LiveTile } from '../src/live/member-live.js'
import { oneMemberRegistry } from './one-member.js'

async function engine(failFirstLookups = 0) {
  const registry = await oneMemberRegistry()
  const tiles: LiveTile[] = []
  const anomalies: string[] = []
  const live = new LiveEngine({
    attribution: new MemberAttribution(registry),
    // Slow on purpose: the first lookup takes a while, as a registry on a busy disk would.
    physiologyOf: async (m) => {
      await new Promise((r) => setTimeout(r, 20))
      if (failFirstLookups-- > 0) throw new Error('HTTP 403: not authorized')
      return resolvePhysiology(await registry.memberProfile(m), Date.now(), 'tanaka')
    },
    sessionAt: () => undefined,
    sink: { publish: (topic, payload) => (topic.endsWith('/live') ? tiles.push(JSON.parse(payload)) : anomalies.push(JSON.parse(payload).type)), write: () => {} },
    effortPointsPerMin: [0, 1, 2, 3, 4, 4],
  })
  return { live, tiles, anomalies, registry }
}

describe('live engine', () => {
  it("handles a device's overlapping messages in arrival order, dropping none", async () => {
    const { live, tiles, anomalies, registry } = await engine()
    const t0 = Date.now() - 60_000
    const topic = deviceSamplesTopic('g', 's1')
    // Three messages of 20 readings each, handed over without waiting, as the MQTT client does.
    const pending = [0, 1, 2].map((m) =>
      live.handle(topic, encodePayload(Array.from({ length: 20 }, (_, i) => ({ kind: 'hr' as const, t: t0 + (m * 20 + i) * 1000, bpm: 120 + ((m * 20 + i) % 7) }))), t0 + 60_000),
    )
    await Promise.all(pending)
    expect(tiles.map((t) => t.t)).toEqual(Array.from({ length: 60 }, (_, i) => t0 + i * 1000))
    expect(anomalies).toEqual([])
    const last = tiles.at(-1)!
    expect(last.member).toBe('ann')
    expect(last.pctMax).toBe(Math.round((100 * last.hr) / 190))
    // 59 s between the first and the last reading, all in one zone or another.
    expect(last.secondsInZone.reduce((a, b) => a + b)).toBeCloseTo(59, 6)
    await registry.close()
  })

  it('counts invalid payloads and keeps going', async () => {
    const { live, tiles, registry } = await engine()
    await live.handle(deviceSamplesTopic('g', 's1'), '{"v":1,"samples":[{"kind":"hr","t":5,"bpm":80}]}')
    await live.handle('not/a/device/topic', '{}')
    await live.handle(deviceSamplesTopic('g', 's1'), encodePayload([{ kind: 'hr', t: Date.now(), bpm: 100 }]))
    expect(live.counters.invalid).toBe(2)
    expect(tiles).toHaveLength(1)
    await registry.close()
  })

  it("skips and counts a message whose dependency fails, and goes on with the device's next ones", async () => {
    // Found in the container stack: a refused history query rejected the device's queue, the rejection went
    // unhandled and the process died; the member's failed lookup was also cached forever.
    const { live, tiles, registry } = await engine(1)
    const topic = deviceSamplesTopic('g', 's1')
    const t0 = Date.now() - 10_000
    const results = await Promise.allSettled([0, 1, 2].map((i) => live.handle(topic, encodePayload([{ kind: 'hr', t: t0 + i * 1000, bpm: 110 + i }]))))
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled'])
    expect(live.counters.failed).toBe(1)
    expect(tiles.map((t) => t.hr)).toEqual([111, 112])
    await registry.close()
  })
})
