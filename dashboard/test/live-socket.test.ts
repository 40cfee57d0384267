/**
 * The live WebSocket over a real socket: subscriptions authorised one by one, snapshot then updates, a
 * logout closing the socket, and a client that stops reading: the server coalesces its tiles to one per
 * member and its memory does not grow with the backlog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { SqliteRegistry } from '@pulseline/registry'
import { SESSION_COOKIE, buildApp, ClientChannel } from '@pulseline/dashboard'

describe('live WebSocket', () => {
  let registry: SqliteRegistry
  let app: FastifyInstance
  let base: string

  async function login(user: string): Promise<string> {
    const res = await app.inject({ method: 'POST', url: '/api/login', payload: { login: user, password: `pw-${user}` } })
    return res.cookies.find((c) => c.name === SESSION_COOKIE)!.value
  }

  async function connect(cookie: string): Promise<{ ws: WebSocket; messages: Array<Record<string, unknown>>; next: (pred: (m: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> }> {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/live`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } })
    const messages: Array<Record<string, unknown>> = []
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())))
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    const next = async (pred: (m: Record<string, unknown>) => boolean) => {
      await expect.poll(() => messages.some(pred), { timeout: 5000 }).toBe(true)
      return messages.find(pred)!
    }
    return { ws, messages, next }
  }

  beforeAll(async () => {
    registry = SqliteRegistry.open(':memory:', { secretCost: { N: 1024, r: 8, p: 1 } })
    for (const gym of ['gym-a', 'gym-b']) await registry.createGym({ id: gym, name: gym, timezone: 'UTC' })
    await registry.createUser({ id: 'coach', gymId: 'gym-a', role: 'coach', displayName: 'C', login: 'coach' }, 'pw-coach')
    await registry.createUser({ id: 'ann', gymId: 'gym-a', role: 'member', displayName: 'Ann', login: 'ann' }, 'pw-ann')
    app = await buildApp({ registry, loginAttemptsPerMinute: 100, liveRecheckMs: 200 })
    await app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await app?.close()
    await registry?.close()
  })

  it('refuses the upgrade without a session', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/live`)
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!)))
    expect(status).toBe(401)
  })

  it('authorises each subscription, sends the snapshot, then updates', async () => {
    app.hub.tile({ member: 'ann', gym: 'gym-a', t: Date.now(), hr: 120 } as never)
    const coach = await connect(await login('coach'))
    coach.ws.send(JSON.stringify({ op: 'subscribe', topic: 'gym/gym-b/class' }))
    expect(await coach.next((m) => m.op === 'error')).toEqual({ op: 'error', topic: 'gym/gym-b/class', error: 'forbidden' })
    coach.ws.send(JSON.stringify({ op: 'subscribe', topic: 'gym/gym-a/class' }))
    await coach.next((m) => m.op === 'subscribed')
    expect((await coach.next((m) => m.type === 'tile')).data).toMatchObject({ member: 'ann', hr: 120 })
    app.hub.tile({ member: 'ann', gym: 'gym-a', t: Date.now(), hr: 131 } as never)
    expect((await coach.next((m) => m.type === 'tile' && (m.data as { hr: number }).hr === 131)).topic).toBe('gym/gym-a/class')

    const ann = await connect(await login('ann'))
    ann.ws.send(JSON.stringify({ op: 'subscribe', topic: 'gym/gym-a/class' }))
    expect((await ann.next((m) => m.op === 'error')).error).toBe('forbidden')
    ann.ws.send(JSON.stringify({ op: 'subscribe', topic: 'member/ann' }))
    await ann.next((m) => m.op === 'subscribed')
    ann.ws.send(JSON.stringify({ op: 'subscribe', topic: 'no/such/topic' }))
    expect((await ann.next((m) => m.op === 'error' && m.topic === 'no/such/topic')).error).toBe('unknown topic')
    coach.ws.close()
    ann.ws.close()
  })

  it('closes the socket when the session ends', async () => {
    const cookie = await login('coach')
    const coach = await connect(cookie)
    const closed = new Promise<number>((resolve) => coach.ws.once('close', (code) => resolve(code)))
    await app.inject({ method: 'POST', url: '/api/logout', cookies: { [SESSION_COOKIE]: cookie } })
    expect(await closed).toBe(4401)
  })

  it('a paced socket gets its updates together: one frame, a JSON array, at most every ms it asked for', async () => {
    const coach = await connect(await login('coach'))
    for (const ms of [5000, -1, 1.5, '200', null]) {
      coach.ws.send(JSON.stringify({ op: 'pace', ms }))
      expect((await coach.next((m) => m.op === 'error')).error).toMatch(/^not a request/)
      coach.messages.length = 0
    }
    coach.ws.send(JSON.stringify({ op: 'pace', ms: 200 }))
    expect(await coach.next((m) => m.op === 'paced')).toEqual({ op: 'paced', ms: 200 })
    coach.ws.send(JSON.stringify({ op: 'subscribe', topic: 'gym/gym-a/class' }))
    await coach.next((m) => m.op === 'subscribed')
    const frames: Array<{ at: number; updates: Array<{ topic: string; type: string; data: { member: string; hr: number } }> }> = []
    coach.ws.on('message', (d) => {
      const parsed = JSON.parse(d.toString())
      if (Array.isArray(parsed)) frames.push({ at: performance.now(), updates: parsed })
    })
    // 60 members' tiles, each member's every 100 ms for 1.5 s: 900 tiles, at twice the pace.
    const started = performance.now()
    for (let round = 0; round < 15; round++) {
      for (let m = 0; m < 60; m++) app.hub.tile({ member: `p${m}`, gym: 'gym-a', t: Date.now(), hr: 60 + round } as never)
      await new Promise((r) => setTimeout(r, 100))
    }
    await expect.poll(() => frames.flatMap((f) => f.updates).filter((u) => u.data.hr === 74).length, { timeout: 5000 }).toBe(60)
    const elapsed = performance.now() - started
    // At most one frame per 200 ms (a timer may fire a little early; the clock here is not the server's).
    expect(frames.length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 1)
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.at - frames[i - 1]!.at).toBeGreaterThan(150)
    // Each frame holds every member's newest tile since the last frame: the newer of two is the one sent.
    for (const f of frames) {
      expect(f.updates.every((u) => u.topic === 'gym/gym-a/class' && u.type === 'tile')).toBe(true)
      expect(new Set(f.updates.map((u) => u.data.member)).size).toBe(f.updates.length)
    }
    // Back to a frame per update.
    coach.ws.send(JSON.stringify({ op: 'pace', ms: 0 }))
    await coach.next((m) => m.op === 'paced' && m.ms === 0)
    const count = frames.length
    app.hub.tile({ member: 'p0', gym: 'gym-a', t: Date.now(), hr: 99 } as never)
    expect((await coach.next((m) => m.type === 'tile' && (m.data as { hr: number }).hr === 99)).topic).toBe('gym/gym-a/class')
    expect(frames.length).toBe(count)
    coach.ws.close()
  })

  it('a client that stops reading costs at most one tile per member, and server memory stays flat', async () => {
    const coach = await connect(await login('coach'))
    coach.ws.send(JSON.stringify({ op: 'subscribe', topic: 'gym/gym-a/class' }))
    await coach.next((m) => m.op === 'subscribed')
    // Stop reading: the TCP window fills, then the server's send buffer passes its high-water mark.
    ;(coach.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const channel = [...(app.hub as unknown as { subscribers: Map<string, Set<ClientChannel>> }).subscribers.get('gym/gym-a/class')!][0]!
    global.gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    const padding = 'x'.repeat(400) // a realistic tile is ~600 bytes
    for (let round = 0; round < 2000; round++) {
      for (let m = 0; m < 60; m++) app.hub.tile({ member: `m${m}`, gym: 'gym-a', t: Date.now(), hr: 100 + (round % 50), padding } as never)
      if (round % 200 === 0) await new Promise((r) => setImmediate(r))
    }
    // 120,000 tiles (about 60 MB) were published to a client that reads nothing.
    expect(channel.counters.coalesced).toBeGreaterThan(100_000)
    expect(channel.held.entries).toBeLessThanOrEqual(60)
    global.gc?.()
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(20 * 1024 * 1024)
    // Once it reads again, it gets the latest tile of every member.
    const seen = new Map<string, number>()
    coach.ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      if (m.type === 'tile') seen.set(m.data.member, m.data.hr)
    })
    ;(coach.ws as unknown as { _socket: { resume(): void } })._socket.resume()
    await expect.poll(() => seen.size, { timeout: 10_000 }).toBe(60)
    await expect.poll(() => seen.get('m59'), { timeout: 10_000 }).toBe(100 + (1999 % 50))
    coach.ws.close()
  }, 60_000)
})
