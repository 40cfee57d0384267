/**
 * Erasure with the compose stack's InfluxDB settings: authentication on, ingest writing as a user with WRITE
 * only, the dashboard reading as a user with READ only (security review M2: the dashboard's read-only user
 * could never DROP SERIES). A member erases themself through the dashboard's REST API; ingest carries it out
 * with its write user; an admin then finds no series of theirs, and the other member's data and export intact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { pino } from 'pino'
import type { FastifyInstance } from 'fastify'
import { InfluxClient, rowsOf, startLocalInflux, type LocalInflux } from '@pulseline/influx'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { SqliteRegistry } from '@pulseline/registry'
import { startIngest, type IngestService } from '@pulseline/ingest'
import { SESSION_COOKIE, buildApp } from '@pulseline/dashboard'
import { ingestOptions } from '../setup/ingest.js'

describe('erasure with separate InfluxDB users (the compose settings)', () => {
  let local: LocalInflux
  let admin: InfluxClient
  let reader: InfluxClient
  let registry: SqliteRegistry
  let ingest: IngestService
  let app: FastifyInstance
  let dir: string
  const db = 'pulseline'

  beforeAll(async () => {
    local = await startLocalInflux({ authEnabled: true })
    // As the InfluxDB image's init does: an admin, then a WRITE-only and a READ-only user.
    const bootstrap = new InfluxClient({ url: local.url, database: db })
    await bootstrap.query(`CREATE USER "admin" WITH PASSWORD 'admin-password' WITH ALL PRIVILEGES`, undefined, 'POST')
    await bootstrap.close()
    admin = new InfluxClient({ url: local.url, database: db, username: 'admin', password: 'admin-password' })
    for (const q of [
      `CREATE DATABASE "${db}"`,
      `CREATE USER "writer" WITH PASSWORD 'writer-password'`,
      `GRANT WRITE ON "${db}" TO "writer"`,
      `CREATE USER "reader" WITH PASSWORD 'reader-password'`,
      `GRANT READ ON "${db}" TO "reader"`,
    ])
      await admin.query(q, undefined, 'POST')
    reader = new InfluxClient({ url: local.url, database: db, username: 'reader', password: 'reader-password' })

    dir = await mkdtemp(join(tmpdir(), 'pl-erasure-users-'))
    registry = SqliteRegistry.open(join(dir, 'registry.sqlite'), { secretCost: { N: 1024, r: 8, p: 1 } })
    await registry.createGym({ id: 'g', name: 'G', timezone: 'UTC' })
    for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'g', role: 'member', displayName: id, login: id }, `pw-${id}-long`)
    await registry.createDevice({ id: 'pool-1', gymId: 'g', kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
    const options = await ingestOptions(local.url, db)
    Object.assign(options.influx, { username: 'writer', password: 'writer-password' })
    options.identities.registryPollMs = 100
    options.erasure.graceMs = 200
    ingest = await startIngest(options, { registry, logger: pino({ level: 'silent' }) })
    app = await buildApp({ registry, influx: reader })
  })
  afterAll(async () => {
    await app?.close()
    await ingest?.close()
    await registry?.close()
    for (const c of [admin, reader]) await c?.close()
    await local?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('lets the write-only user go on without creating the database, and the admin create it', async () => {
    const writer = new InfluxClient({ url: local.url, database: db, username: 'writer', password: 'writer-password' })
    try {
      expect(await writer.ensureDatabase()).toBe('not-permitted')
      expect(await admin.ensureDatabase()).toBe('ensured')
      const stranger = new InfluxClient({ url: local.url, database: db, username: 'writer', password: 'wrong-password' })
      await expect(stranger.ensureDatabase()).rejects.toThrow(/HTTP 401/)
      await stranger.close()
    } finally {
      await writer.close()
    }
  })

  it('erases a member who asks, through ingest, and leaves the other member readable', async () => {
    const t0 = Date.now() - 600_000
    await registry.assign('pool-1', 'ann', t0)
    await registry.assign('pool-1', 'bob', t0 + 60_000)
    const secret = await registry.issueCredential('pool-1')
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: 'pool-1', password: secret, reconnectPeriod: 0 })
    await device.publishAsync(deviceSamplesTopic('g', 'pool-1'), encodePayload([...Array.from({ length: 30 }, (_, i) => ({ kind: 'hr' as const, t: t0 + i * 1000, bpm: 100 })), ...Array.from({ length: 20 }, (_, i) => ({ kind: 'hr' as const, t: t0 + 60_000 + i * 1000, bpm: 120 }))]), { qos: 1 })
    await device.endAsync()
    const countOf = async (member: string) => Number(rowsOf(await admin.query(`SELECT count(bpm) FROM hr WHERE "member" = $m`, { m: member }))[0]?.count ?? 0)
    await expect.poll(() => countOf('ann'), { timeout: 10_000 }).toBe(30)
    await expect.poll(() => countOf('bob'), { timeout: 10_000 }).toBe(20)
    // The read-only user cannot drop anything: the dashboard never needs to.
    await expect(reader.query(`DROP SERIES WHERE "member" = 'ann'`, undefined, 'POST')).rejects.toThrow(/authoriz|privilege/i)

    const login = async (id: string) => (await app.inject({ method: 'POST', url: '/api/login', payload: { login: id, password: `pw-${id}-long` } })).cookies.find((c) => c.name === SESSION_COOKIE)!.value
    const ann = await login('ann')
    const erased = await app.inject({ method: 'DELETE', url: '/api/members/ann', cookies: { [SESSION_COOKIE]: ann } })
    expect(erased.statusCode).toBe(202)
    await expect.poll(async () => (await registry.erasures()).find((e) => e.member === 'ann')?.completedMs ?? null, { timeout: 15_000 }).not.toBeNull()
    expect(await countOf('ann')).toBe(0)
    expect(rowsOf(await admin.query(`SHOW SERIES WHERE "member" = 'ann'`))).toEqual([])
    expect(await countOf('bob')).toBe(20)
    // bob's export, read by the dashboard with the read-only user, streamed: all his samples.
    const bob = await login('bob')
    const exported = await app.inject({ method: 'GET', url: '/api/members/bob/export', cookies: { [SESSION_COOKIE]: bob } })
    expect(exported.statusCode).toBe(200)
    expect(exported.json().history.hr).toHaveLength(20)
  }, 60_000)
})
