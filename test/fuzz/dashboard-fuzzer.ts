/**
 * The dashboard under hostile input, shared by the test (a few thousand inputs) and the benchmark (100,000
 * and more): REST requests generated from the app's own OpenAPI document (every route, with path, query
 * and body values of every shape: valid ids of both gyms, ids of nothing, injection strings, wrong types,
 * wrong content types, foreign Origins), sent as every role; and WebSocket frames of every shape (text and
 * binary, JSON and not, requests with real and forged topics, frames over the size limit) from every role.
 *
 * What must hold: no 500 at all, no 5xx that says more than "internal error", the server still answers,
 * no unhandled rejection, and memory that does not grow with the number of inputs.
 */
import fc from 'fast-check'
import WebSocket from 'ws'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { SqliteRegistry } from '@pulseline/registry'
import type { InfluxClient } from '@pulseline/influx'
import { SESSION_COOKIE, buildApp } from '@pulseline/dashboard'
import { historyBackfill } from '../../dashboard/src/history/backfill.js'

const ROLES = ['anonymous', 'admin-a', 'coach-a', 'analyst-a', 'member-a', 'member-a2', 'admin-b', 'member-b', 'admin-global'] as const
type Role = (typeof ROLES)[number]

export interface DashboardFuzzReport {
  requests: number
  frames: number
  statuses: Record<string, number>
  /** Responses with status ≥ 500, with their route and body (must be none that leak). */
  serverErrors: Array<{ route: string; status: number; body: string }>
  unhandledRejections: number
  /** Heap after GC, after the REST requests and again after the frames, less the heap before them. */
  heapGrowthMiB: number
  restHeapGrowthMiB: number
  healthAfter: number
  sockets: number
  subscriptionsAfter: number
  seconds: number
}

/** Puts back whatever the fuzz erased or changed in the fixture's people, devices and class (idempotent). */
async function seed(registry: SqliteRegistry): Promise<void> {
  const quietly = (p: Promise<unknown>) => p.catch(() => undefined) // already there
  for (const gym of ['gym-a', 'gym-b']) await quietly(registry.createGym({ id: gym, name: gym, timezone: 'UTC' }))
  for (const [id, gymId, role] of [
    ['admin-a', 'gym-a', 'admin'],
    ['coach-a', 'gym-a', 'coach'],
    ['analyst-a', 'gym-a', 'analyst'],
    ['member-a', 'gym-a', 'member'],
    ['member-a2', 'gym-a', 'member'],
    ['admin-b', 'gym-b', 'admin'],
    ['member-b', 'gym-b', 'member'],
    ['admin-global', null, 'admin'],
  ] as const) {
    if (!(await registry.user(id))) await registry.createUser({ id, gymId, role, displayName: id, login: id }, `pw-${id}`)
  }
  await registry.setMemberProfile('member-a', { birthYear: 1990, weightKg: 70, sex: 'female' })
  await quietly(registry.startSession({ id: 'class-a', gymId: 'gym-a', coachUserId: 'coach-a', title: 'A', startedMs: Date.now() - 600_000, endedMs: null }))
  await quietly(registry.createDevice({ id: 'strap-a', gymId: 'gym-a', kind: 'strap', address: 'AA:BB:CC:DD:EE:01', serial: null, ownerUserId: null, pool: true }))
  await quietly(registry.createDevice({ id: 'strap-b', gymId: 'gym-b', kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true }))
  if ((await registry.assignments('strap-a')).length === 0) await quietly(registry.assign('strap-a', 'member-a', Date.now() - 600_000, 'class-a'))
}

async function fixture(influx: InfluxClient | undefined) {
  const registry = SqliteRegistry.open(':memory:', { secretCost: { N: 1024, r: 8, p: 1 } })
  await seed(registry)
  const app = await buildApp({ registry, influx, backfill: influx ? historyBackfill(influx) : undefined, loginAttemptsPerMinute: 1_000_000, liveRecheckMs: 500 })
  app.hub.nearbyList('gym-a', { gateway: 'gw-a', at: Date.now(), devices: [{ address: 'AA:BB:CC:DD:EE:FF', rssi: -60, services: [0x180d] }] })
  return { app, registry }
}

const ids = fc.oneof(
  fc.constantFrom('gym-a', 'gym-b', 'member-a', 'member-a2', 'member-b', 'coach-a', 'admin-a', 'strap-a', 'strap-b', 'class-a', 'nobody', 'admin-global'),
  fc.string({ maxLength: 20 }),
  fc.constantFrom("' OR 1=1 --", '"; DROP SERIES FROM hr', '../../etc/passwd', '%00', 'a,b=c d', '$member', '\u0000', 'x'.repeat(300)),
)
const scalar = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), ids)
const anyJson = fc.jsonValue({ maxDepth: 3 })

/** A value for one schema property: usually of its type, sometimes anything. */
function valueFor(schema: { type?: string | string[]; enum?: unknown[]; anyOf?: unknown[] } | undefined): fc.Arbitrary<unknown> {
  const typed: fc.Arbitrary<unknown>[] = []
  if (schema?.enum) typed.push(fc.constantFrom(...schema.enum))
  const type = Array.isArray(schema?.type) ? schema?.type[0] : schema?.type
  if (type === 'string') typed.push(ids, fc.string({ maxLength: 60 }))
  if (type === 'integer' || type === 'number') typed.push(fc.integer({ min: -1e6, max: 1e13 }), fc.double(), fc.constantFrom(Date.now(), Date.now() - 3_600_000, 0, -1))
  if (type === 'boolean') typed.push(fc.boolean())
  if (type === 'array') typed.push(fc.array(scalar, { maxLength: 8 }))
  return typed.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.oneof(...typed) }, { weight: 1, arbitrary: anyJson }) : anyJson
}

interface Operation {
  method: string
  path: string
  params: string[]
  query: Record<string, unknown>
  body: Record<string, unknown> | undefined
}

function operations(doc: { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string; schema?: unknown }>; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>> }): Operation[] {
  const ops: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const query: Record<string, unknown> = {}
      const params: string[] = []
      for (const p of op.parameters ?? []) {
        if (p.in === 'path') params.push(p.name)
        if (p.in === 'query') query[p.name] = p.schema
      }
      const body = op.requestBody?.content?.['application/json']?.schema?.properties
      ops.push({ method: method.toUpperCase(), path, params, query, body })
    }
  }
  return ops
}

function requestArbitrary(ops: Operation[]) {
  return fc.oneof(
    ...ops.map((op) =>
      fc.record({
        op: fc.constant(op),
        role: fc.constantFrom(...ROLES),
        params: fc.tuple(...op.params.map(() => ids), fc.constant(0)),
        query: fc.record(Object.fromEntries(Object.entries(op.query).map(([k, s]) => [k, valueFor(s as never)])), { requiredKeys: [] }),
        extraQuery: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 12 }), { maxKeys: 2 }),
        body: op.body
          ? fc.oneof(
              { weight: 4, arbitrary: fc.record(Object.fromEntries(Object.entries(op.body).map(([k, s]) => [k, valueFor(s as never)])), { requiredKeys: [] }) },
              { weight: 1, arbitrary: anyJson },
            )
          : fc.option(anyJson, { nil: undefined }),
        contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'),
        origin: fc.constantFrom(undefined, undefined, 'http://localhost:80', 'https://evil.example', 'null'),
      }),
    ),
  )
}

const liveTopic = fc.oneof(
  fc.constantFrom('gym/gym-a/class', 'gym/gym-b/class', 'gym/gym-a/equipment', 'gym/gym-a/anomalies', 'gym/gym-a/nearby', 'gym/gym-b/nearby', 'member/member-a', 'member/member-b', 'member/nobody'),
  fc.string({ maxLength: 40 }),
  ids.map((id) => `gym/${id}/class`),
)
const frame = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('subscribe', 'unsubscribe', 'SUBSCRIBE', 'x'), topic: liveTopic, since: fc.option(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(Date.now() - 60_000)), { nil: undefined }) }, { requiredKeys: ['op'] }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('pace', 'PACE'), ms: fc.oneof(fc.integer({ min: -10, max: 1010 }), fc.integer(), fc.double(), fc.string(), fc.constant(null)) }, { requiredKeys: ['op'] }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: anyJson.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.constantFrom('null', '[]', '""', '0', 'true', '{"op":"subscribe"}', '{"op":"subscribe","topic":null}', '{"__proto__":{"op":"subscribe"}}') },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(5000)) }, // over maxPayload: the server closes the socket (1009)
)

/**
 * Collects garbage once what the last requests scheduled has run. (Measured here: right after a burst of
 * `inject` calls a full GC can still count ~180 MiB that the next burst's GC frees, with a bare Fastify app too.)
 */
async function settledHeap(): Promise<void> {
  await new Promise((r) => setTimeout(r, 200))
  global.gc?.()
  global.gc?.()
}

export async function dashboardUnderFuzz(options: { requests: number; frames: number; seed: number; influx?: InfluxClient; routes?: RegExp }): Promise<DashboardFuzzReport> {
  let { app, registry } = await fixture(options.influx)
  let unhandled = 0
  const onUnhandled = () => unhandled++
  process.on('unhandledRejection', onUnhandled)
  const started = performance.now()
  const report: DashboardFuzzReport = { requests: 0, frames: 0, statuses: {}, serverErrors: [], unhandledRejections: 0, heapGrowthMiB: 0, restHeapGrowthMiB: 0, healthAfter: 0, sockets: 0, subscriptionsAfter: 0, seconds: 0 }
  const sessionFor = async (role: Role) => (role === 'anonymous' || !(await registry.user(role)) ? undefined : registry.openUserSession(role, 3_600_000))

  // REST
  await app.ready()
  // `routes` narrows the fuzz to some paths (to replay or chase one finding).
  const ops = operations(app.swagger() as never).filter((op) => op.path !== '/api/live' && (!options.routes || options.routes.test(`${op.method} ${op.path}`)))
  const arbitrary = requestArbitrary(ops)
  await settledHeap()
  const heapBefore = process.memoryUsage().heapUsed
  for (let done = 0, round = 0; done < options.requests; round++) {
    // The fuzz erases members and devices as it goes; requests against an emptied registry would test little.
    if (round % 5 === 4) await seed(registry)
    const batch = fc.sample(arbitrary, { numRuns: Math.min(500, options.requests - done), seed: options.seed + round })
    for (const r of batch) {
      let url = r.op.path
      r.op.params.forEach((name, i) => (url = url.replace(`{${name}}`, encodeURIComponent(String(r.params[i])))))
      const query = new URLSearchParams()
      for (const [k, v] of Object.entries({ ...r.extraQuery, ...r.query })) if (v !== undefined) query.set(k, typeof v === 'string' ? v : JSON.stringify(v))
      const token = await sessionFor(r.role)
      const payload = r.body === undefined ? undefined : r.contentType === 'application/json' ? JSON.stringify(r.body) : String(typeof r.body === 'object' ? JSON.stringify(r.body) : r.body)
      const res = await app.inject({
        method: r.op.method as 'GET',
        url: `${url}${query.size > 0 ? `?${query}` : ''}`,
        headers: { ...(payload !== undefined ? { 'content-type': r.contentType } : {}), ...(r.origin ? { origin: r.origin } : {}), host: 'localhost:80' },
        payload,
        cookies: token ? { [SESSION_COOKIE]: token } : {},
      })
      report.requests++
      report.statuses[res.statusCode] = (report.statuses[res.statusCode] ?? 0) + 1
      if (res.statusCode >= 500 && report.serverErrors.length < 50) report.serverErrors.push({ route: `${r.op.method} ${r.op.path}`, status: res.statusCode, body: res.body.slice(0, 300) })
    }
    done += batch.length
  }

  await settledHeap()
  report.restHeapGrowthMiB = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1048576)

  // WebSocket, on a fresh fixture: the REST fuzz may have erased members or rotated everything.
  await app.close()
  await registry.close()
  ;({ app, registry } = await fixture(options.influx))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  const frames = fc.sample(frame, { numRuns: Math.min(options.frames, 5000), seed: options.seed })
  const workers = ROLES.filter((r) => r !== 'anonymous').map(async (role, w) => {
    let sent = 0
    const share = Math.ceil(options.frames / (ROLES.length - 1))
    while (sent < share) {
      const token = await sessionFor(role)
      if (!token) return
      report.sockets++
      await new Promise<void>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/api/live`, { headers: { cookie: `${SESSION_COOKIE}=${token}` } })
        ws.on('error', () => undefined)
        ws.on('close', () => resolve())
        ws.on('unexpected-response', () => resolve())
        ws.on('open', async () => {
          // A burst, then close: sockets come and go while their subscriptions are being authorised.
          for (let i = 0; i < 40 && sent < share && ws.readyState === WebSocket.OPEN; i++, sent++) {
            ws.send(frames[(w * 7919 + sent) % frames.length]!)
            report.frames++
            if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1))
          }
          setTimeout(() => ws.close(), 5)
        })
      })
    }
  })
  await Promise.all(workers)
  await new Promise((r) => setTimeout(r, 300))
  report.subscriptionsAfter = app.hub.subscriptions
  report.healthAfter = (await app.inject({ method: 'GET', url: '/api/health' })).statusCode
  await settledHeap()
  report.heapGrowthMiB = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1048576)
  report.unhandledRejections = unhandled
  report.seconds = (performance.now() - started) / 1000
  process.off('unhandledRejection', onUnhandled)
  await app.close()
  await registry.close()
  return report
}

export type { FastifyInstance }
