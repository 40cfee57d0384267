import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Outbox } from '@pulseline/gateway'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
async function path(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-outbox-'))
  dirs.push(dir)
  return join(dir, 'outbox.sqlite')
}
const hr = (t: number) => ({ kind: 'hr' as const, t, bpm: 60 + (t % 100) })

describe('Outbox', () => {
  it('commits the samples of one event-loop turn together and keeps them across a reopen', async () => {
    const file = await path()
    let box = new Outbox({ path: file, maxSamples: 1000 })
    let commits = 0
    box.onCommitted = () => commits++
    for (let i = 0; i < 50; i++) box.add('d1', hr(i), 1000 + i)
    await new Promise((r) => setImmediate(r))
    expect(commits).toBe(1)
    box.close()
    box = new Outbox({ path: file, maxSamples: 1000 })
    expect(box.depth).toBe(50)
    expect(box.backlog(Infinity, 100, new Set()).map((r) => r.sample.t)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    box.close()
  })

  it('drops the oldest samples past its limit and counts them', async () => {
    const box = new Outbox({ path: await path(), maxSamples: 100 })
    for (let i = 0; i < 130; i++) box.add('d1', hr(i), i)
    box.flush()
    expect(box.depth).toBe(100)
    expect(box.dropped).toBe(30)
    expect(box.backlog(Infinity, 1, new Set())[0]!.sample.t).toBe(30)
    box.close()
  })

  it('separates live rows from the backlog and skips rows in flight', async () => {
    const box = new Outbox({ path: await path(), maxSamples: 1000 })
    for (let i = 0; i < 10; i++) box.add('d1', hr(i), i < 6 ? 1000 : 9000)
    box.flush()
    const backlog = box.backlog(5000, 100, new Set())
    expect(backlog.map((r) => r.sample.t)).toEqual([0, 1, 2, 3, 4, 5])
    const live = box.live(5000, 100, new Set([backlog[0]!.id + 6]))
    expect(live.map((r) => r.sample.t)).toEqual([7, 8, 9])
    box.remove(backlog.map((r) => r.id))
    expect(box.depth).toBe(4)
    box.close()
  })

  it("purges an erased member's samples: only that device, only within the interval", async () => {
    const box = new Outbox({ path: await path(), maxSamples: 1000 })
    for (let i = 0; i < 10; i++) box.add('d1', hr(i * 100))
    for (let i = 0; i < 10; i++) box.add('d2', hr(i * 100))
    box.flush()
    expect(box.purge('d1', 200, 500)).toBe(4)
    expect(box.depth).toBe(16)
    const left = box.backlog(Infinity, 100, new Set())
    expect(left.filter((r) => r.device === 'd1').map((r) => r.sample.t)).toEqual([0, 100, 600, 700, 800, 900])
    expect(left.filter((r) => r.device === 'd2')).toHaveLength(10)
    box.close()
  })
})
