/**
 * The anomaly model on its worker thread: the same scores as the model loaded in this thread, and a live
 * engine whose readings (and tiles) never wait for a model run, one run at a time, and rules that go on
 * when the model fails. And the tick that yields to readings between slices: a member erased meanwhile gets
 * nothing more written.
 */
import { describe, expect, it } from 'vitest'
import { MemberAttribution, SqliteRegistry } from '@pulseline/registry'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { ModelThread } from '../src/anomaly/model/model-thread.js'
import { SupervisedModel, type ScorerThread } from '../src/anomaly/model/supervised-model.js'
import { loadModel, type AnomalyScorer } from '../src/anomaly/model/autoencoder.js'
import { WINDOW, windows } from '../src/anomaly/model/features.js'
import { simulateSession } from '../scripts/dataset/sessions.js'
import { LiveEngine } from '../src/live/live-engine.js'
import { resolvePhysiology } from '../src/live/physiology.js'
import { oneMemberRegistry } from './one-member.js'

describe('the model thread', () => {
  it('scores as the model in this thread does, on clean and broken windows', async () => {
    const hr = simulateSession(100_500).points.map((p) => p.hr)
    const spiky = [...hr]
    for (const i of [1195, 1196, 1197]) spiky[i] = spiky[i]! + 40
    const ends = [300, 600, 900, 1200]
    const features = windows([...hr, ...spiky], [...ends, ...ends.map((e) => hr.length + e)])
    const expected = await (await loadModel()).score(features.slice())
    const thread = await ModelThread.start()
    try {
      expect(thread.backend).toBe('wasm')
      const scores = await thread.score(features)
      expect(scores.length).toBe(8)
      expect(features.length).toBe(0) // handed over to the worker, not copied
      for (let i = 0; i < 8; i++) expect(scores[i]).toBeCloseTo(expected[i]!, 6)
      expect(scores[7]).toBeGreaterThan(0.9) // the spike
      expect(thread.waiting).toBe(0)
    } finally {
      await thread.close()
    }
    await expect(thread.score(new Float32Array(WINDOW))).rejects.toThrow(/closed/)
  })
})

describe('the supervised model thread', () => {
  it('starts a new thread when its thread dies, which scores as the old one did', async () => {
    const features = () => windows(simulateSession(100_501).points.map((p) => p.hr), [300, 600])
    const threads: ModelThread[] = []
    const startThread = async () => {
      const thread = await ModelThread.start()
      threads.push(thread)
      return thread
    }
    const restarted: number[] = []
    const model = new SupervisedModel(await startThread(), startThread, { maxRestarts: 3, windowMs: 60_000, backoffInitialMs: 10, backoffMaxMs: 10 }, { restarted: (n) => restarted.push(n) })
    try {
      const before = await model.score(features())
      await threads[0]!.close() // the worker is terminated, as a crash would end it
      expect(threads[0]!.dead).toBe(true)
      await expect(model.score(features())).rejects.toThrow(/restarting/) // a tick does not wait for the load
      await expect.poll(() => restarted, { timeout: 20_000 }).toEqual([1])
      const after = await model.score(features())
      for (let i = 0; i < before.length; i++) expect(after[i]).toBeCloseTo(before[i]!, 6)
      expect(threads).toHaveLength(2)
      expect(model.restarts).toBe(1)
    } finally {
      await model.close()
    }
    expect(threads.every((t) => t.dead)).toBe(true)
  }, 40_000)

  it('tries at most maxRestarts times in its window, each after a growing backoff, then stays down', async () => {
    let clock = 0
    const dead: ScorerThread = { dead: true, backend: 'none', score: () => Promise.reject(new Error('dead')), close: async () => {} }
    let attempts = 0
    const failures: string[] = []
    const model = new SupervisedModel(dead, async () => {
      attempts++
      throw new Error('wasm trap')
    }, { maxRestarts: 3, windowMs: 60_000, backoffInitialMs: 1000, backoffMaxMs: 4000 }, { restartFailed: (e) => failures.push(e.message) }, () => clock)
    const tick = async () => {
      await model.score(new Float32Array(WINDOW)).catch((e: Error) => e.message)
      await new Promise((r) => setImmediate(r)) // the failed start settles
    }
    await tick()
    expect(attempts).toBe(1)
    await tick() // within the backoff (at least 500 ms for the second attempt): no new attempt
    expect(attempts).toBe(1)
    clock = 1000
    await tick()
    expect(attempts).toBe(2)
    for (clock = 1000; clock < 59_000; clock += 1000) await tick()
    expect(attempts).toBe(3) // the window's limit
    expect(failures).toEqual(['wasm trap', 'wasm trap', 'wasm trap'])
    await expect(model.score(new Float32Array(WINDOW))).rejects.toThrow(/down/)
    clock = 61_000 // the first attempt has left the window
    await tick()
    expect(attempts).toBe(4)
    expect(model.restarts).toBe(0)
  })
})

describe('the live engine with a model beside it', () => {
  async function engineWith(model: AnomalyScorer, onModelFailed?: (err: Error) => void) {
    const registry = await oneMemberRegistry()
    const tiles: number[] = []
    const live = new LiveEngine({
      attribution: new MemberAttribution(registry),
      physiologyOf: async (m) => resolvePhysiology(await registry.memberProfile(m), Date.now(), 'tanaka'),
      sessionAt: () => undefined,
      sink: { publish: (topic, payload) => void (topic.endsWith('/live') && tiles.push(JSON.parse(payload).t)), write: () => {} },
      effortPointsPerMin: [0, 1, 2, 3, 4, 4],
      model,
      onModelFailed,
    })
    const t0 = Date.now() - 120_000
    const reading = (i: number) => live.handle(deviceSamplesTopic('g', 's1'), encodePayload([{ kind: 'hr', t: t0 + i * 1000, bpm: 120 + (i % 5) }]), t0 + i * 1000 + 50)
    for (let i = 0; i < WINDOW + 5; i++) await reading(i)
    return { live, tiles, reading, registry }
  }

  it('publishes tiles while the model runs, runs one model at a time and counts the ticks it skips', async () => {
    let release!: () => void
    const requests: number[] = []
    const slow: AnomalyScorer = {
      score: async (features) => {
        requests.push(features.length / WINDOW)
        await new Promise<void>((r) => (release = r))
        return new Float32Array(features.length / WINDOW)
      },
    }
    const { live, tiles, reading, registry } = await engineWith(slow)
    const firstTick = live.tick()
    await new Promise((r) => setTimeout(r, 20))
    expect(requests).toEqual([1]) // one device with a full window: one request
    const before = tiles.length
    await reading(WINDOW + 5) // handled, and its tile published, while the model is still running
    expect(tiles.length).toBe(before + 1)
    await live.tick() // the previous run has not finished: this tick skips the model
    expect(live.counters.modelSkipped).toBe(1)
    expect(requests).toEqual([1])
    release()
    await firstTick
    await reading(WINDOW + 6)
    const third = live.tick()
    await new Promise((r) => setTimeout(r, 20))
    expect(requests).toEqual([1, 1]) // the next tick runs the model again
    release()
    await third
    await registry.close()
  })

  it('counts a failed model run and goes on with the rules', async () => {
    const broken: AnomalyScorer = { score: () => Promise.reject(new Error('anomaly model thread exited (1)')) }
    const reported: string[] = []
    const { live, tiles, reading, registry } = await engineWith(broken, (err) => reported.push(err.message))
    await live.tick()
    expect(live.counters.modelFailed).toBe(1)
    expect(reported).toEqual(['anomaly model thread exited (1)']) // for the service's log
    const before = tiles.length
    await reading(WINDOW + 5)
    expect(tiles.length).toBe(before + 1)
    await live.tick() // the window that was not scored is tried again
    expect(live.counters.modelFailed).toBe(2)
    await registry.close()
  })
})

describe('a tick that yields to readings', () => {
  it('writes no effort point for a member forgotten (erased) while it yielded, whichever member the tick was at', async () => {
    const registry = SqliteRegistry.open(':memory:')
    await registry.createGym({ id: 'g', name: 'G', timezone: 'UTC' })
    const members = 600 // more than two slices of the tick
    for (let i = 0; i < members; i++) {
      await registry.createUser({ id: `m${i}`, gymId: 'g', role: 'member', displayName: `m${i}`, login: null })
      await registry.createDevice({ id: `s${i}`, gymId: 'g', kind: 'strap', address: null, serial: null, ownerUserId: `m${i}`, pool: false })
    }
    const lines: string[] = []
    const live = new LiveEngine({
      attribution: new MemberAttribution(registry),
      physiologyOf: async (m) => resolvePhysiology(await registry.memberProfile(m), Date.now(), 'tanaka'),
      sessionAt: () => undefined,
      sink: { publish: () => {}, write: (line) => void lines.push(line) },
      effortPointsPerMin: [0, 1, 2, 3, 4, 4],
    })
    const t = Date.now() - 5_000
    for (let i = 0; i < members; i++) await live.handle(deviceSamplesTopic('g', `s${i}`), encodePayload([{ kind: 'hr', t, bpm: 130 }]), t + 50)
    const effortWritten = () => new Set(lines.filter((l) => l.startsWith('effort,')).map((l) => /,member=([^,]+),/.exec(l)![1]!))
    const tick = live.tick()
    // At the tick's first yield, every member whose effort point is not written yet is erased, including the
    // one the tick had in hand when it yielded.
    await new Promise<void>((r) => setImmediate(r))
    const before = effortWritten()
    for (let i = 0; i < members; i++) if (!before.has(`m${i}`)) live.forgetMember(`m${i}`)
    await tick
    expect(before.size).toBeLessThan(members)
    expect(effortWritten()).toEqual(before)
    await registry.close()
  })
})
