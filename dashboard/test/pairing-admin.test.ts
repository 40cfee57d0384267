/**
 * Pairing from a gateway's nearby list, and the registry management routes doing what they say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { SqliteRegistry } from '@pulseline/registry'
import { SESSION_COOKIE, buildApp } from '@pulseline/dashboard'

describe('pairing and registry management', () => {
  let registry: SqliteRegistry
  let app: FastifyInstance
  const cookie: Record<string, string> = {}
  const as = (user: string) => ({ cookies: { [SESSION_COOKIE]: cookie[user]! } })

  beforeAll(async () => {
    registry = SqliteRegistry.open(':memory:', { secretCost: { N: 1024, r: 8, p: 1 } })
    for (const gym of ['gym-a', 'gym-b']) await registry.createGym({ id: gym, name: gym, timezone: 'UTC' })
    for (const [id, gym, role] of [['admin', 'gym-a', 'admin'], ['coach', 'gym-a', 'coach'], ['ann', 'gym-a', 'member'], ['bob', 'gym-a', 'member'], ['eve', 'gym-b', 'member']] as const)
      await registry.createUser({ id, gymId: gym, role, displayName: id, login: id }, `pw-${id}`)
    app = await buildApp({ registry, loginAttemptsPerMinute: 100 })
    for (const id of ['admin', 'coach', 'ann', 'bob', 'eve']) {
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { login: id, password: `pw-${id}` } })
      cookie[id] = res.cookies.find((c) => c.name === SESSION_COOKIE)!.value
    }
    app.hub.nearbyList('gym-a', { gateway: 'gw-1', at: Date.now(), devices: [{ address: 'aa:bb:cc:00:00:01', rssi: -70, services: [0x180d] }, { address: 'AA:BB:CC:00:00:02', rssi: -50, services: [0x1826] }] })
    app.hub.nearbyList('gym-a', { gateway: 'gw-2', at: Date.now(), devices: [{ address: 'AA:BB:CC:00:00:01', rssi: -40, services: [0x180d] }] })
  })
  afterAll(async () => {
    await app?.close()
    await registry?.close()
  })

  it('lists what the gateways see, strongest first, one entry per device', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/gyms/gym-a/nearby', ...as('ann') })
    expect(res.json().map((d: { address: string; gateway: string }) => [d.address, d.gateway])).toEqual([
      ['AA:BB:CC:00:00:01', 'gw-2'],
      ['AA:BB:CC:00:00:02', 'gw-1'],
    ])
  })

  it('a member claims a strap from the list, a coach confirms it; nobody else can; an address no gateway sees is refused', async () => {
    const claimed = await app.inject({ method: 'POST', url: '/api/me/devices/claim', payload: { address: 'aa:bb:cc:00:00:01' }, ...as('ann') })
    expect(claimed.statusCode).toBe(202)
    expect(claimed.json()).toMatchObject({ id: 'ble-AABBCC000001', kind: 'strap', ownerUserId: null, status: 'pending' })
    // Not hers until a coach, who sees her wearing it, says so.
    expect((await app.inject({ method: 'GET', url: '/api/me/devices', ...as('ann') })).json()).toEqual([])
    expect((await app.inject({ method: 'POST', url: '/api/me/devices/claim', payload: { address: 'AA:BB:CC:00:00:01' }, ...as('bob') })).statusCode).toBe(409)
    const waiting = (await app.inject({ method: 'GET', url: '/api/gyms/gym-a/claims', ...as('coach') })).json()
    expect(waiting.map((c: { deviceId: string; userId: string }) => [c.deviceId, c.userId])).toEqual([['ble-AABBCC000001', 'ann']])
    const approved = await app.inject({ method: 'POST', url: '/api/devices/ble-AABBCC000001/claim', ...as('coach') })
    expect(approved.statusCode).toBe(201)
    expect(approved.json()).toMatchObject({ id: 'ble-AABBCC000001', kind: 'strap', ownerUserId: 'ann', address: 'AA:BB:CC:00:00:01' })
    expect((await registry.devicesOwnedBy('ann')).map((d) => d.id)).toEqual(['ble-AABBCC000001'])
    expect((await app.inject({ method: 'POST', url: '/api/me/devices/claim', payload: { address: 'AA:BB:CC:00:00:01' }, ...as('bob') })).statusCode).toBe(409)
    // Another gym's member: their gateways do not see it.
    expect((await app.inject({ method: 'POST', url: '/api/me/devices/claim', payload: { address: 'AA:BB:CC:00:00:02' }, ...as('eve') })).statusCode).toBe(404)
    expect((await app.inject({ method: 'POST', url: '/api/me/devices/claim', payload: { address: 'AA:BB:CC:99:99:99' }, ...as('bob') })).statusCode).toBe(404)
    // Claimed devices leave the list.
    const left = await app.inject({ method: 'GET', url: '/api/gyms/gym-a/nearby', ...as('bob') })
    expect(left.json().map((d: { address: string }) => d.address)).toEqual(['AA:BB:CC:00:00:02'])
    const audit = await registry.changesSince(0)
    expect(audit.some((c) => c.kind === 'device' && c.subject === 'ble-AABBCC000001')).toBe(true)
  })

  it('creates users, runs a class, ends it, and edits a profile with validation', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/gyms/gym-a/users', payload: { id: 'cat', role: 'member', displayName: 'Cat', login: 'cat', password: 'a-long-password' }, ...as('admin') })).statusCode).toBe(201)
    expect((await app.inject({ method: 'POST', url: '/api/gyms/gym-a/users', payload: { id: 'cat', role: 'member', displayName: 'Cat' }, ...as('admin') })).statusCode).toBe(409)
    const users = await app.inject({ method: 'GET', url: '/api/gyms/gym-a/users?role=member', ...as('coach') })
    expect(users.json().map((u: { id: string }) => u.id)).toEqual(['ann', 'bob', 'cat'])

    expect((await app.inject({ method: 'POST', url: '/api/gyms/gym-a/sessions', payload: { id: 'spin-1', title: 'Spin' }, ...as('coach') })).statusCode).toBe(201)
    const ended = await app.inject({ method: 'POST', url: '/api/sessions/spin-1/end', ...as('coach') })
    expect(ended.json().endedMs).toBeGreaterThan(0)
    expect((await app.inject({ method: 'POST', url: '/api/sessions/spin-1/end', ...as('coach') })).statusCode).toBe(409)

    const put = await app.inject({ method: 'PUT', url: '/api/members/ann/profile', payload: { maxHr: 188, zoneModel: 'karvonen', restingHr: 52, timezone: 'Europe/Oslo' }, ...as('ann') })
    expect(put.json()).toMatchObject({ maxHr: 188, zoneModel: 'karvonen', restingHr: 52, timezone: 'Europe/Oslo' })
    expect((await app.inject({ method: 'PUT', url: '/api/members/ann/profile', payload: { timezone: 'Mars/Olympus' }, ...as('ann') })).statusCode).toBe(400)
    expect((await app.inject({ method: 'PUT', url: '/api/members/ann/profile', payload: { zoneEdges: [100, 90, 140, 160, 175] }, ...as('coach') })).statusCode).toBe(400)
    expect((await app.inject({ method: 'PUT', url: '/api/members/ann/profile', payload: { maxHr: 400 }, ...as('coach') })).statusCode).toBe(400)
  })
})
