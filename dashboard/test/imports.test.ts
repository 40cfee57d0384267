/**
 * A member uploads their watch's file from their page: the same decoding, validation and storage as
 * `npm run import`, through the REST API into a real InfluxDB; the dry run stores nothing; a damaged file,
 * another member's device or another member's page are refused with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { SqliteRegistry } from '@pulseline/registry'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { encodeActivity } from '@pulseline/files'
import { SESSION_COOKIE, buildApp } from '@pulseline/dashboard'
import { freshDatabase } from '../../test/setup/influx.js'

describe('importing a file from the member page', () => {
  let registry: SqliteRegistry
  let influx: InfluxClient
  let app: FastifyInstance
  const cookie: Record<string, string> = {}
  const start = Math.floor(Date.now() / 1000) * 1000 - 86_400_000
  const records = Array.from({ length: 120 }, (_, i) => ({ t: start + i * 1000, hr: 100 + i, power: 200 }))
  const fit = Buffer.from(encodeActivity({ sport: 'cycling', startMs: start, endMs: start + 120_000, records, creator: { manufacturer: 'garmin', product: 3121, serial: 77 } }))
  const upload = (user: string, member: string, body: Buffer, query = '') =>
    app.inject({ method: 'POST', url: `/api/members/${member}/imports${query}`, headers: { 'content-type': 'application/octet-stream' }, payload: body, cookies: { [SESSION_COOKIE]: cookie[user]! } })
  const stored = async (member: string) => Number(rowsOf(await influx.query(`SELECT count(bpm) FROM hr WHERE "member" = $member`, { member }))[0]?.count ?? 0)

  beforeAll(async () => {
    registry = SqliteRegistry.open(':memory:', { secretCost: { N: 1024, r: 8, p: 1 } })
    influx = await freshDatabase('imports')
    await registry.createGym({ id: 'gym-a', name: 'A', timezone: 'UTC' })
    for (const [id, role] of [['coach', 'coach'], ['ann', 'member'], ['bob', 'member']] as const) await registry.createUser({ id, gymId: 'gym-a', role, displayName: id, login: id }, `pw-${id}`)
    app = await buildApp({ registry, influx, importWriter: influx, maxImportBytes: 64 * 1024, loginAttemptsPerMinute: 100 })
    for (const id of ['coach', 'ann', 'bob']) {
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { login: id, password: `pw-${id}` } })
      cookie[id] = res.cookies.find((c) => c.name === SESSION_COOKIE)!.value
    }
  })
  afterAll(async () => {
    await app?.close()
    await registry?.close()
    await influx?.close()
  })

  it('a dry run accounts for the file and stores nothing', async () => {
    const res = await upload('ann', 'ann', fit, '?dryRun=true&name=ride.fit')
    expect(res.statusCode).toBe(200)
    expect(res.json().account).toMatchObject({ file: 'ride.fit', format: 'fit', samples: { hr: 120, equipment: 120 }, hr: { max: 219 }, fromMs: start })
    expect(await stored('ann')).toBe(0)
  })

  it('the member imports it into the live series; a coach may too; twice stores once', async () => {
    const res = await upload('ann', 'ann', fit, '?name=ride.fit')
    expect(res.statusCode).toBe(201)
    expect(res.json().stored).toEqual({ device: 'garmin-77', points: 240, createdDevice: true })
    expect((await upload('coach', 'ann', fit)).statusCode).toBe(201)
    expect(await stored('ann')).toBe(120)
    expect((await registry.auditAbout('ann')).map((a) => `${a.actor} ${a.action}`)).toContain('ann samples.import fit')
  })

  it("refuses another member's page, another member's device, a damaged file, a file of no known format and an oversize one, writing nothing", async () => {
    expect((await upload('bob', 'ann', fit)).statusCode).toBe(403)
    const taken = await upload('bob', 'bob', fit, '?name=ride.fit')
    expect([taken.statusCode, taken.json().code]).toEqual([403, 'PL_FILE_DEVICE_NOT_OWN'])
    const damaged = Buffer.from(fit)
    damaged[100] = damaged[100]! ^ 0x10
    const bad = await upload('bob', 'bob', damaged, '?name=bad.fit')
    expect([bad.statusCode, bad.json().code]).toEqual([422, 'PL_FILE_CORRUPT'])
    expect(bad.json().error).toMatch(/^bad\.fit: byte \d+: file CRC/)
    expect((await upload('bob', 'bob', Buffer.from('hello'))).json().code).toBe('PL_FILE_FORMAT')
    expect((await upload('bob', 'bob', Buffer.alloc(65 * 1024))).statusCode).toBe(413)
    const json = await app.inject({ method: 'POST', url: '/api/members/bob/imports', payload: { file: 'x' }, cookies: { [SESSION_COOKIE]: cookie.bob! } })
    expect(json.statusCode).toBe(415)
    expect(await stored('bob')).toBe(0)
  })
})
