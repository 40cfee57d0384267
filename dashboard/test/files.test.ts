/**
 * Members' files through the REST API, on a real InfluxDB. Export: a class as FIT (passing the FIT SDK's
 * integrity check, holding the class as stored) or TCX. Import: a file from the member's watch, through the same
 * decoding, validation and storage as `npm run import`; the dry run stores nothing. Another member, another
 * gym's class, an empty class, a damaged file, another member's device and an oversize upload are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { Decoder, Stream } from '@garmin/fitsdk'
import { SqliteRegistry } from '@pulseline/registry'
import { sampleToLines, seriesTags } from '@pulseline/protocol'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { SESSION_COOKIE, buildApp } from '@pulseline/dashboard'
import { decodeTcx, encodeActivity } from '@pulseline/files'
import { freshDatabase } from '../../test/setup/influx.js'

describe("members' files over the REST API", () => {
  let registry: SqliteRegistry
  let influx: InfluxClient
  let app: FastifyInstance
  const cookie: Record<string, string> = {}
  const as = (user: string) => ({ cookies: { [SESSION_COOKIE]: cookie[user]! } })
  const start = Math.floor(Date.now() / 1000) * 1000 - 3_600_000 // FIT times are whole seconds
  const beats = Array.from({ length: 300 }, (_, i) => ({ t: start + 60_000 + i * 1000, bpm: 90 + (i % 70) }))

  beforeAll(async () => {
    registry = SqliteRegistry.open(':memory:', { secretCost: { N: 1024, r: 8, p: 1 } })
    influx = await freshDatabase('files_api')
    for (const gym of ['gym-a', 'gym-b']) await registry.createGym({ id: gym, name: gym, timezone: 'UTC' })
    for (const [id, gym, role] of [['coach', 'gym-a', 'coach'], ['ann', 'gym-a', 'member'], ['bob', 'gym-a', 'member'], ['eve', 'gym-b', 'member']] as const)
      await registry.createUser({ id, gymId: gym, role, displayName: id, login: id }, `pw-${id}`)
    await registry.startSession({ id: 'spin', gymId: 'gym-a', coachUserId: 'coach', title: 'Spin', startedMs: start, endedMs: start + 600_000 })
    await registry.startSession({ id: 'other-gym', gymId: 'gym-b', coachUserId: null, title: 'Row', startedMs: start, endedMs: start + 600_000 })
    const tags = seriesTags('strap-1', 'gym-a', 'ann')
    await influx.write(beats.map((b) => sampleToLines({ kind: 'hr', t: b.t, bpm: b.bpm }, tags)).join('') + sampleToLines({ kind: 'equipment', t: start + 61_000, machine: 'bike', power_w: 210, cadence_rpm: 92 }, seriesTags('bike-1', 'gym-a', 'ann')))
    app = await buildApp({ registry, influx, importWriter: influx, maxImportBytes: 64 * 1024, loginAttemptsPerMinute: 100 })
    for (const id of ['coach', 'ann', 'bob', 'eve']) {
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { login: id, password: `pw-${id}` } })
      cookie[id] = res.cookies.find((c) => c.name === SESSION_COOKIE)!.value
    }
  })
  afterAll(async () => {
    await app?.close()
    await registry?.close()
    await influx?.close()
  })

  describe('export', () => {
    it('the member gets a FIT activity that passes the SDK check and holds the class as stored', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/members/ann/sessions/spin/activity.fit', ...as('ann') })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('application/vnd.ant.fit')
      expect(res.headers['content-disposition']).toBe('attachment; filename="spin-ann.fit"')
      const decoder = new Decoder(Stream.fromByteArray(res.rawPayload))
      expect(decoder.checkIntegrity()).toBe(true)
      const { messages } = decoder.read()
      const records = messages.recordMesgs ?? []
      expect(records.filter((r) => r.heartRate !== undefined).map((r) => [(r.timestamp as Date).getTime(), r.heartRate])).toEqual(beats.map((b) => [b.t, b.bpm]))
      expect(records.find((r) => r.power !== undefined)).toMatchObject({ power: 210, cadence: 92, heartRate: 91 })
      expect(messages.sessionMesgs?.[0]?.sport).toBe('cycling')
      expect((await registry.auditAbout('ann')).map((a) => a.action)).toContain('history.export.fit')
    })

    it('the same class as TCX, for apps that take that', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/members/ann/sessions/spin/activity.tcx', ...as('ann') })
      expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'application/vnd.garmin.tcx+xml'])
      const decoded = await decodeTcx(res.body, 'spin.tcx')
      expect(decoded.samples.filter((s) => s.kind === 'hr').map((s) => (s.kind === 'hr' ? [s.t, s.bpm] : []))).toEqual(beats.map((b) => [b.t, b.bpm]))
    })

    it('a coach of the gym may; another member may not; a class of another gym or without data is not found', async () => {
      expect((await app.inject({ method: 'GET', url: '/api/members/ann/sessions/spin/activity.fit', ...as('coach') })).statusCode).toBe(200)
      expect((await app.inject({ method: 'GET', url: '/api/members/ann/sessions/spin/activity.fit', ...as('bob') })).statusCode).toBe(403)
      expect((await app.inject({ method: 'GET', url: '/api/members/eve/sessions/spin/activity.fit', ...as('eve') })).statusCode).toBe(404)
      expect((await app.inject({ method: 'GET', url: '/api/members/ann/sessions/other-gym/activity.fit', ...as('ann') })).statusCode).toBe(404)
      const empty = await app.inject({ method: 'GET', url: '/api/members/bob/sessions/spin/activity.fit', ...as('bob') })
      expect([empty.statusCode, empty.json().code]).toEqual([404, 'PL_EXPORT_EMPTY'])
    })
  })

  describe('import', () => {
    const rideStart = start - 86_400_000
    const records = Array.from({ length: 120 }, (_, i) => ({ t: rideStart + i * 1000, hr: 100 + i, power: 200 }))
    const fit = Buffer.from(encodeActivity({ sport: 'cycling', startMs: rideStart, endMs: rideStart + 120_000, records, creator: { manufacturer: 'garmin', product: 3121, serial: 77 } }))
    const upload = (user: string, member: string, body: Buffer, query = '') =>
      app.inject({ method: 'POST', url: `/api/members/${member}/imports${query}`, headers: { 'content-type': 'application/octet-stream' }, payload: body, ...as(user) })
    const imported = async (member: string) => Number(rowsOf(await influx.query(`SELECT count(bpm) FROM hr WHERE "member" = $member AND "source" = 'fit'`, { member }))[0]?.count ?? 0)

    it('a dry run accounts for the file and stores nothing', async () => {
      const res = await upload('ann', 'ann', fit, '?dryRun=true&name=ride.fit')
      expect(res.statusCode).toBe(200)
      expect(res.json().account).toMatchObject({ file: 'ride.fit', format: 'fit', samples: { hr: 120, equipment: 120 }, hr: { max: 219 }, fromMs: rideStart })
      expect(await imported('ann')).toBe(0)
    })

    it('the member imports it into the live series; a coach may too; twice stores once', async () => {
      const res = await upload('ann', 'ann', fit, '?name=ride.fit')
      expect(res.statusCode).toBe(201)
      expect(res.json().stored).toEqual({ device: 'garmin-77', points: 240, createdDevice: true })
      expect((await upload('coach', 'ann', fit)).statusCode).toBe(201)
      expect(await imported('ann')).toBe(120)
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
      const json = await app.inject({ method: 'POST', url: '/api/members/bob/imports', payload: { file: 'x' }, ...as('bob') })
      expect(json.statusCode).toBe(415)
      expect(await imported('bob')).toBe(0)
    })
  })
})
