/**
 * The registry's contract, run against both engines: SQLite (the embedded default) and PostgreSQL (a fresh
 * database on the run's private server). Whatever one engine does, the other must do the same.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PostgresRegistry, RegistryError, memberAt, migrate, migratePostgres, migrations, type Registry } from '@pulseline/registry'
import { REGISTRY_ENGINES } from '../../test/setup/registries.js'
import { freshPostgresDatabase } from '../../test/setup/postgres.js'

describe('migrations', () => {
  it('apply once, in order, and are recorded (SQLite)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pl-reg-'))
    const db = new Database(join(dir, 'r.sqlite'))
    expect(migrate(db)).toEqual(migrations().map((m) => m.version))
    expect(migrate(db)).toEqual([])
    db.prepare('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (999, ?, 0)').run('future')
    expect(() => migrate(db)).toThrow(/newer than this code/)
    db.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('apply once, in order, and are recorded (PostgreSQL), even with three nodes starting at once', async () => {
    const url = await freshPostgresDatabase('migrate')
    const clients = await Promise.all([1, 2, 3].map(async () => {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      return c
    }))
    try {
      const applied = await Promise.all(clients.map((c) => migratePostgres(c)))
      // One node applied everything, the others found nothing left to do.
      expect(applied.map((a) => a.length).sort()).toEqual([0, 0, migrations().length])
      expect(applied.flat().sort((a, b) => a - b)).toEqual(migrations().map((m) => m.version))
      expect(await migratePostgres(clients[0]!)).toEqual([])
      await clients[0]!.query(`INSERT INTO schema_migrations (version, name, applied_ms) VALUES (999, 'future', 0)`)
      await expect(migratePostgres(clients[1]!)).rejects.toThrow(/newer than this code/)
    } finally {
      for (const c of clients) await c.end()
    }
  })
})

describe.each(REGISTRY_ENGINES)('registry on $engine', (engine) => {
  let registry: Registry
  beforeEach(async () => {
    registry = await engine.open()
    await registry.createGym({ id: 'gym-a', name: 'Downtown', timezone: 'Europe/Berlin' })
    await registry.createUser({ id: 'coach-1', gymId: 'gym-a', role: 'coach', displayName: 'Coach', login: 'coach@a' }, 'coach-pass')
    for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'gym-a', role: 'member', displayName: id, login: null })
    await registry.createDevice({ id: 'pool-strap-1', gymId: 'gym-a', kind: 'strap', address: 'C2:00:00:00:00:01', serial: null, ownerUserId: null, pool: true })
  })
  afterEach(() => registry.close())

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

  describe('more of the contract', () => {
    it('keeps a profile exactly: 61.3 kg and a VO2max of 47.85 come back as they went in', async () => {
      const profile = { birthYear: 1985, sex: 'male' as const, weightKg: 61.3, restingHr: 48, maxHr: 191, maxHrMeasured: false, lthr: 170, zoneModel: 'custom', timezone: 'Europe/Berlin', zoneEdges: [100, 120, 140, 160, 175], vo2max: 47.85, hrMaxFormula: 'tanaka' }
      await registry.setMemberProfile('bob', profile)
      expect(await registry.memberProfile('bob')).toEqual(profile)
      await registry.setMemberProfile('bob', { ...profile, weightKg: 70.1 })
      expect((await registry.memberProfile('bob'))?.weightKg).toBe(70.1)
      expect(await registry.memberProfile('ann')).toBeUndefined()
    })

    it('opens, reads and closes login sessions; a password change ends them all', async () => {
      const token = await registry.openUserSession('coach-1', 60_000)
      const other = await registry.openUserSession('coach-1', 60_000)
      expect((await registry.sessionUser(token))?.id).toBe('coach-1')
      expect(await registry.sessionUser('not-a-token')).toBeUndefined()
      await registry.closeUserSession(token)
      expect(await registry.sessionUser(token)).toBeUndefined()
      expect((await registry.sessionUser(other))?.id).toBe('coach-1')
      await registry.changePassword('coach-1', 'new-pass')
      expect(await registry.sessionUser(other)).toBeUndefined()
      expect(await registry.verifyLogin('coach@a', 'coach-pass')).toBeUndefined()
      expect((await registry.verifyLogin('coach@a', 'new-pass'))?.id).toBe('coach-1')
      const expired = await registry.openUserSession('coach-1', -1)
      expect(await registry.sessionUser(expired)).toBeUndefined()
    })

    it('says what went wrong in its own words: a missing gym, a taken login, a kind out of range', async () => {
      await expect(registry.createUser({ id: 'x', gymId: 'no-such-gym', role: 'member', displayName: 'x', login: null })).rejects.toMatchObject({ code: 'not_found' })
      await expect(registry.createUser({ id: 'y', gymId: 'gym-a', role: 'member', displayName: 'y', login: 'coach@a' })).rejects.toMatchObject({ code: 'conflict', message: 'that login is taken (users)' })
      await expect(registry.createGym({ id: 'gym-a', name: 'again', timezone: 'UTC' })).rejects.toMatchObject({ code: 'conflict', message: 'that id is taken (gyms)' })
      await expect(registry.createDevice({ id: 'z', gymId: 'gym-a', kind: 'toaster' as never, address: null, serial: null, ownerUserId: null, pool: false })).rejects.toMatchObject({ code: 'invalid' })
      await expect(registry.createDevice({ id: 'w', gymId: 'gym-a', kind: 'watch', address: null, serial: null, ownerUserId: 'eve', pool: false })).rejects.toMatchObject({ code: 'invalid' })
      // Nothing half-written: the failed device is not there, and the feed does not mention it.
      expect(await registry.device('z')).toBeUndefined()
      expect((await registry.changesSince(0)).some((c) => c.subject === 'z' || c.subject === 'w')).toBe(false)
    })

    it('lists devices by gym, owner and address (any case), and users by name regardless of case', async () => {
      await registry.createUser({ id: 'cat', gymId: 'gym-a', role: 'member', displayName: 'Cat', login: null })
      await registry.createDevice({ id: 'ann-watch', gymId: 'gym-a', kind: 'watch', address: 'AA:BB:CC:00:00:01', serial: 'S1', ownerUserId: 'ann', pool: false })
      expect((await registry.devicesOfGym('gym-a')).map((d) => d.id)).toEqual(['ann-watch', 'pool-strap-1'])
      expect(await registry.devicesOwnedBy('ann')).toEqual([{ id: 'ann-watch', gymId: 'gym-a', kind: 'watch', address: 'AA:BB:CC:00:00:01', serial: 'S1', ownerUserId: 'ann', pool: false }])
      expect((await registry.deviceByAddress('gym-a', 'aa:bb:cc:00:00:01'))?.id).toBe('ann-watch')
      expect(await registry.deviceByAddress('gym-b', 'AA:BB:CC:00:00:01')).toBeUndefined()
      expect((await registry.usersOfGym('gym-a', 'member')).map((u) => u.displayName)).toEqual(['ann', 'bob', 'Cat'])
      expect((await registry.usersOfGym('gym-a')).map((u) => u.id)).toEqual(['ann', 'bob', 'cat', 'coach-1'])
    })

    it('takes claims: one member at a time, confirmed or turned down by the gym', async () => {
      const address = 'D0:00:00:00:00:07'
      const first = await registry.requestClaim('gym-a', address, 'strap', 'ann')
      expect(first).toMatchObject({ status: 'pending', device: { id: 'ble-D00000000007', ownerUserId: null, address } })
      expect(await registry.requestClaim('gym-a', address.toLowerCase(), 'strap', 'bob')).toBeUndefined()
      expect(await registry.requestClaim('gym-a', 'C2:00:00:00:00:01', 'strap', 'bob')).toBeUndefined() // pool
      expect((await registry.claimRequests('gym-a')).map((c) => [c.deviceId, c.userId, c.address])).toEqual([['ble-D00000000007', 'ann', address]])
      expect(await registry.approveClaim('ble-D00000000007')).toMatchObject({ ownerUserId: 'ann' })
      expect(await registry.approveClaim('ble-D00000000007')).toBeUndefined()
      expect(await registry.requestClaim('gym-a', address, 'strap', 'ann')).toMatchObject({ status: 'mine' })
      await registry.requestClaim('gym-a', 'D0:00:00:00:00:08', 'strap', 'bob')
      expect(await registry.rejectClaim('ble-D00000000008')).toBe(true)
      expect(await registry.rejectClaim('ble-D00000000008')).toBe(false)
      expect(await registry.claimRequests('gym-a')).toEqual([])
    })

    it('finds the sessions running in a window, and ends a session with its open assignments', async () => {
      await registry.startSession({ id: 's1', gymId: 'gym-a', coachUserId: 'coach-1', title: 'A', startedMs: 1000, endedMs: 2000 })
      await registry.startSession({ id: 's2', gymId: 'gym-a', coachUserId: null, title: 'B', startedMs: 3000, endedMs: null })
      await registry.assign('pool-strap-1', 'ann', 3100, 's2')
      expect((await registry.sessionsOfGym('gym-a', 0)).map((x) => x.id)).toEqual(['s1', 's2'])
      expect((await registry.sessionsOfGym('gym-a', 2000, 2999)).map((x) => x.id)).toEqual([])
      expect((await registry.sessionsOfGym('gym-a', 1500, 3500)).map((x) => x.id)).toEqual(['s1', 's2'])
      await registry.endSession('s2', 4000)
      expect(await registry.session('s2')).toMatchObject({ endedMs: 4000, coachUserId: null })
      expect((await registry.assignmentsOfUser('ann')).map((a) => [a.fromMs, a.toMs, a.sessionId])).toEqual([[3100, 4000, 's2']])
    })

    it('erases a member: their rows go, the erasure keeps the devices and times, ingest completes it', async () => {
      await registry.createDevice({ id: 'ann-watch', gymId: 'gym-a', kind: 'watch', address: null, serial: null, ownerUserId: 'ann', pool: false })
      await registry.assign('pool-strap-1', 'ann', 1000)
      await registry.unassign('pool-strap-1', 2000)
      const before = Date.now()
      const erasure = await registry.eraseUser('ann', 'ann')
      expect(erasure.intervals).toEqual(expect.arrayContaining([{ device: 'pool-strap-1', fromMs: 1000, toMs: 2000 }, { device: 'ann-watch', fromMs: 0, toMs: erasure.requestedMs }]))
      expect(erasure.requestedMs).toBeGreaterThanOrEqual(before)
      expect(await registry.user('ann')).toBeUndefined()
      expect(await registry.device('ann-watch')).toBeUndefined()
      expect((await registry.device('pool-strap-1'))?.id).toBe('pool-strap-1')
      expect(await registry.assignments('pool-strap-1')).toEqual([])
      expect(await registry.erasures()).toEqual([erasure])
      await registry.completeErasure(erasure.id, erasure.requestedMs + 5)
      expect(await registry.erasures(erasure.requestedMs + 6)).toEqual([])
      expect(await registry.erasures(erasure.requestedMs)).toEqual([{ ...erasure, completedMs: erasure.requestedMs + 5 }])
      expect((await registry.auditAbout('ann')).map((a) => [a.actor, a.action])).toEqual([['ann', 'member.erase'], ['ingest', 'member.erase.completed']])
      await expect(registry.eraseUser('ann', 'ann')).rejects.toMatchObject({ code: 'not_found' })
      const feed = (await registry.changesSince(0)).map((c) => `${c.kind}:${c.subject}`)
      expect(feed.slice(-5)).toEqual(['device:ann-watch', 'assignment:pool-strap-1', 'user:ann', 'erasure:ann', 'erasure:ann'])
    })
  })
})

describe('registry on PostgreSQL, several nodes', () => {
  it('numbers the change feed in commit order: a follower reading while three nodes write misses nothing', async () => {
    // A follower keeps the highest seq it has seen and asks for what is above it, as ingest's does. Without the
    // writer lock, a smaller seq committed after a larger one was read, and the follower skipped it for good:
    // 9 and 19 of these 600 changes were missed in two runs.
    const url = await freshPostgresDatabase('nodes')
    const nodes = await Promise.all([1, 2, 3].map(() => PostgresRegistry.open(url, { maxConnections: 10 })))
    try {
      await nodes[0]!.createGym({ id: 'g', name: 'g', timezone: 'UTC' })
      let last = 0
      const seen = new Set<string>()
      let writing = true
      const follower = (async () => {
        while (writing) {
          for (const c of await nodes[0]!.changesSince(last)) {
            seen.add(c.subject)
            last = Math.max(last, c.seq)
          }
        }
      })()
      const ids = Array.from({ length: 600 }, (_, i) => `d-${i}`)
      await Promise.all(ids.map((id, i) => nodes[i % 3]!.createDevice({ id, gymId: 'g', kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })))
      writing = false
      await follower
      for (const c of await nodes[0]!.changesSince(last)) seen.add(c.subject)
      expect(ids.filter((id) => !seen.has(id))).toEqual([])
    } finally {
      for (const n of nodes) await n.close()
    }
  })
})
