import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RegistryError, SqliteRegistry, memberAt, migrate, migrations } from '@pulseline/registry'

let registry: SqliteRegistry
beforeEach(async () => {
  registry = SqliteRegistry.open(':memory:')
  await registry.createGym({ id: 'gym-a', name: 'Downtown', timezone: 'Europe/Berlin' })
  await registry.createUser({ id: 'coach-1', gymId: 'gym-a', role: 'coach', displayName: 'Coach', login: 'coach@a' }, 'coach-pass')
  for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'gym-a', role: 'member', displayName: id, login: null })
  await registry.createDevice({ id: 'pool-strap-1', gymId: 'gym-a', kind: 'strap', address: 'C2:00:00:00:00:01', serial: null, ownerUserId: null, pool: true })
})
afterEach(() => registry.close())

describe('migrations', () => {
  it('apply once, in order, and are recorded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pl-reg-'))
    const db = new Database(join(dir, 'r.sqlite'))
    expect(migrate(db)).toEqual(migrations().map((m) => m.version))
    expect(migrate(db)).toEqual([])
    db.prepare('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (999, ?, 0)').run('future')
    expect(() => migrate(db)).toThrow(/newer than this code/)
    db.close()
    await rm(dir, { recursive: true, force: true })
  })
})

describe('people', () => {
  it('verifies logins against a scrypt hash, and never reveals which part was wrong', async () => {
    expect((await registry.verifyLogin('coach@a', 'coach-pass'))?.id).toBe('coach-1')
    expect(await registry.verifyLogin('coach@a', 'nope')).toBeUndefined()
    expect(await registry.verifyLogin('ghost@a', 'coach-pass')).toBeUndefined()
  })

  it('stores member physiology', async () => {
    await registry.setMemberProfile('ann', { birthYear: 1990, sex: 'female', weightKg: 61.5, restingHr: 55, maxHr: 188, maxHrMeasured: true, zoneModel: 'karvonen' })
    expect(await registry.memberProfile('ann')).toEqual({ birthYear: 1990, sex: 'female', weightKg: 61.5, restingHr: 55, maxHr: 188, maxHrMeasured: true, zoneModel: 'karvonen' })
  })

  it('refuses a device that is both owned and pooled, and duplicate ids', async () => {
    await expect(registry.createDevice({ id: 'x', gymId: 'gym-a', kind: 'strap', address: null, serial: null, ownerUserId: 'ann', pool: true })).rejects.toBeInstanceOf(RegistryError)
    await expect(registry.createUser({ id: 'ann', gymId: 'gym-a', role: 'member', displayName: 'dup', login: null })).rejects.toMatchObject({ code: 'conflict' })
  })
})

describe('device credentials', () => {
  it('rotate: a new secret works, the old one stops working, and the change is in the feed', async () => {
    const first = await registry.issueCredential('pool-strap-1')
    expect((await registry.verifyDevice('pool-strap-1', first))?.id).toBe('pool-strap-1')
    const seq = (await registry.changesSince(0)).at(-1)!.seq
    const second = await registry.issueCredential('pool-strap-1')
    expect(await registry.verifyDevice('pool-strap-1', first)).toBeUndefined()
    expect((await registry.verifyDevice('pool-strap-1', second))?.id).toBe('pool-strap-1')
    expect((await registry.changesSince(seq)).map((c) => [c.kind, c.subject])).toEqual([['credential', 'pool-strap-1']])
  })

  it('revoke: nothing verifies afterwards', async () => {
    const secret = await registry.issueCredential('pool-strap-1')
    expect(await registry.revokeCredentials('pool-strap-1')).toBe(1)
    expect(await registry.verifyDevice('pool-strap-1', secret)).toBeUndefined()
  })
})

describe('assignments and attribution by the sample time', () => {
  it('moves a pool strap between two members in back-to-back classes', async () => {
    await registry.startSession({ id: 'class-1', gymId: 'gym-a', coachUserId: 'coach-1', title: 'Spin 18:00', startedMs: 1000, endedMs: null })
    await registry.assign('pool-strap-1', 'ann', 1000, 'class-1')
    await registry.endSession('class-1', 2000)
    await registry.startSession({ id: 'class-2', gymId: 'gym-a', coachUserId: 'coach-1', title: 'Spin 19:00', startedMs: 2500, endedMs: null })
    await registry.assign('pool-strap-1', 'bob', 2500, 'class-2')
    const a = await registry.assignments('pool-strap-1')
    expect(a.map((x) => [x.userId, x.fromMs, x.toMs])).toEqual([
      ['ann', 1000, 2000],
      ['bob', 2500, null],
    ])
    expect([999, 1000, 1999, 2000, 2499, 2500, 9999].map((t) => memberAt(a, t))).toEqual([undefined, 'ann', 'ann', undefined, undefined, 'bob', 'bob'])
  })

  it('swaps a strap mid-class: the open assignment ends where the new one starts', async () => {
    await registry.assign('pool-strap-1', 'ann', 1000)
    await registry.assign('pool-strap-1', 'bob', 1500)
    const a = await registry.assignments('pool-strap-1')
    expect(memberAt(a, 1499)).toBe('ann')
    expect(memberAt(a, 1500)).toBe('bob')
  })

  it('refuses an assignment that would overlap an earlier one', async () => {
    await registry.assign('pool-strap-1', 'ann', 1000)
    await registry.unassign('pool-strap-1', 2000)
    await expect(registry.assign('pool-strap-1', 'bob', 1500)).rejects.toMatchObject({ code: 'conflict' })
    await expect(registry.assign('pool-strap-1', 'bob', 2000)).resolves.toBeUndefined()
  })
})

describe('pairing codes', () => {
  beforeEach(async () => {
    await registry.createGym({ id: 'gym-b', name: 'Other', timezone: 'UTC' })
    await registry.createUser({ id: 'eve', gymId: 'gym-b', role: 'member', displayName: 'eve', login: null })
    await registry.createDevice({ id: 'watch-9', gymId: 'gym-a', kind: 'watch', address: null, serial: 'W9', ownerUserId: null, pool: false })
  })

  it('pairs a device to the member of its gym who redeems the code, once', async () => {
    const code = await registry.createPairingCode('watch-9', 600_000)
    expect(code).toMatch(/^[A-HJKMNP-Z2-9]{8}$/)
    expect(await registry.redeemPairingCode(code, 'eve')).toBeUndefined() // another gym
    expect(await registry.redeemPairingCode(code.toLowerCase(), 'ann')).toMatchObject({ id: 'watch-9', ownerUserId: 'ann', pool: false })
    expect(await registry.redeemPairingCode(code, 'bob')).toBeUndefined() // used
    expect((await registry.device('watch-9'))?.ownerUserId).toBe('ann')
    await expect(registry.createPairingCode('watch-9', 600_000)).rejects.toMatchObject({ code: 'conflict' })
  })

  it('refuses an expired code', async () => {
    const code = await registry.createPairingCode('watch-9', 1)
    await new Promise((r) => setTimeout(r, 5))
    expect(await registry.redeemPairingCode(code, 'ann')).toBeUndefined()
  })
})
