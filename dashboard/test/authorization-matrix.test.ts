/**
 * The authorization matrix: every route of the app, for every kind of principal, in the gym the request
 * is about and in another gym, against this table of what the issue specifies. A route the app has and
 * the table lacks fails the test; so does a rule that allows or denies other than the table says.
 */
import { describe, expect, it } from 'vitest'
import { SqliteRegistry, type Role } from '@pulseline/registry'
import { SESSION_COOKIE, WS_TOPICS, buildApp, mayReceive } from '@pulseline/dashboard'

type Principal = 'anonymous' | `${Role}@own` | `${Role}@other` | 'self' | 'admin@global'

interface Expectation {
  allow: Principal[]
  body?: Record<string, unknown>
}

const STAFF_OWN: Principal[] = ['admin@own', 'coach@own', 'analyst@own']
const ANY_USER: Principal[] = ['admin@own', 'coach@own', 'analyst@own', 'member@own', 'admin@other', 'coach@other', 'analyst@other', 'member@other', 'self', 'admin@global']
const GYM_PEOPLE: Principal[] = ['admin@own', 'coach@own', 'analyst@own', 'member@own', 'self']
/** A member's history: themself, and the staff of their gym (analysts read-only). */
const HISTORY: Principal[] = ['admin@own', 'coach@own', 'analyst@own', 'self']

/** What the issue says each role may do. Requests are about gym-a, its pool strap, and member-a ("self" is member-a). */
const EXPECTED: Record<string, Expectation> = {
  'POST /api/login': { allow: ['anonymous', ...ANY_USER], body: { login: 'nobody', password: 'x' } },
  'POST /api/logout': { allow: ANY_USER },
  'GET /api/me': { allow: ANY_USER },
  'POST /api/password': { allow: ANY_USER, body: { current: 'wrong-password', next: 'a-long-new-password' } },
  'GET /api/gyms/:gym/devices': { allow: STAFF_OWN },
  'POST /api/gyms/:gym/devices': { allow: ['admin@own'], body: { id: 'new-strap', kind: 'strap', pool: true } },
  'POST /api/devices/:device/credentials': { allow: ['admin@own'] },
  'DELETE /api/devices/:device/credentials': { allow: ['admin@own'] },
  'POST /api/devices/:device/pairing-code': { allow: ['admin@own'] },
  'POST /api/me/devices': { allow: ANY_USER, body: { code: 'NOTACODE' } },
  'POST /api/gyms/:gym/sessions': { allow: ['admin@own', 'coach@own'], body: { id: 'class-x', title: 'Spin' } },
  'POST /api/devices/:device/assignments': { allow: ['admin@own', 'coach@own'], body: { userId: 'member-a' } },
  'GET /api/members/:member/profile': { allow: ['admin@own', 'coach@own', 'self'] },
  'GET /api/members/:member/export': { allow: ['admin@own', 'coach@own', 'self'] },
  'DELETE /api/members/:member': { allow: ['admin@own', 'self'] },
  'GET /api/gyms': { allow: ['admin@global'] },
  'POST /api/gyms': { allow: ['admin@global'], body: { id: 'gym-new', name: 'New', timezone: 'Europe/Paris' } },
  'GET /api/gyms/:gym/users': { allow: STAFF_OWN },
  'POST /api/gyms/:gym/users': { allow: ['admin@own'], body: { id: 'new-user', role: 'member', displayName: 'New' } },
  'GET /api/gyms/:gym/sessions': { allow: STAFF_OWN },
  'POST /api/sessions/:session/end': { allow: ['admin@own', 'coach@own'] },
  'DELETE /api/devices/:device/assignments': { allow: ['admin@own', 'coach@own'] },
  'PUT /api/members/:member/profile': { allow: ['admin@own', 'coach@own', 'self'], body: { weightKg: 71 } },
  'GET /api/gyms/:gym/nearby': { allow: GYM_PEOPLE },
  'POST /api/me/devices/claim': { allow: ANY_USER, body: { address: 'AA:BB:CC:DD:EE:FF' } },
  // A claim waits for a coach or admin of the device's gym, who sees who wears the strap (review M6).
  'GET /api/gyms/:gym/claims': { allow: ['admin@own', 'coach@own'] },
  'POST /api/devices/:device/claim': { allow: ['admin@own', 'coach@own'] },
  'DELETE /api/devices/:device/claim': { allow: ['admin@own', 'coach@own'] },
  'GET /api/live': { allow: ANY_USER },
  'GET /api/health': { allow: ['anonymous', ...ANY_USER] },
  // The interactive documentation and the OpenAPI document list every admin route: logged-in users only (L8).
  'GET /docs': { allow: ANY_USER },
  'GET /docs/json': { allow: ANY_USER },
  'GET /docs/yaml': { allow: ANY_USER },
  'GET /docs/static/*': { allow: ANY_USER },
  'GET /docs/static/index.html': { allow: ANY_USER },
  'GET /docs/static/swagger-initializer.js': { allow: ANY_USER },
  'GET /api/me/devices': { allow: ANY_USER },
  'GET /api/members/:member/history/hr': { allow: HISTORY },
  'GET /api/members/:member/history/equipment': { allow: HISTORY },
  'GET /api/members/:member/sessions': { allow: HISTORY },
  // A class as a FIT file: like the export, the member and the staff who run their classes (not analysts).
  'GET /api/members/:member/sessions/:session/activity.fit': { allow: ['admin@own', 'coach@own', 'self'] },
  'GET /api/members/:member/sessions/:session/activity.tcx': { allow: ['admin@own', 'coach@own', 'self'] },
  // Importing a member's watch file: the member, or the staff who run their classes.
  'POST /api/members/:member/imports': { allow: ['admin@own', 'coach@own', 'self'] },
  'GET /api/members/:member/daily': { allow: HISTORY },
  'GET /api/sessions/:session/summary': { allow: STAFF_OWN },
  // Pages and bundles carry no data (everything comes from the routes above).
  'GET /': { allow: ['anonymous', ...ANY_USER] },
  'GET /login': { allow: ['anonymous', ...ANY_USER] },
  'GET /board': { allow: ['anonymous', ...ANY_USER] },
  'GET /me': { allow: ['anonymous', ...ANY_USER] },
  'GET /gym': { allow: ['anonymous', ...ANY_USER] },
  'GET /assets/:file': { allow: ['anonymous', ...ANY_USER] },
}

/** Every live topic, against the same principals. */
const EXPECTED_WS: Record<string, Principal[]> = {
  'gym/:gym/class': ['admin@own', 'coach@own'],
  'gym/:gym/equipment': ['admin@own', 'coach@own'],
  'gym/:gym/anomalies': ['admin@own', 'coach@own'],
  'gym/:gym/nearby': GYM_PEOPLE,
  'member/:member': ['admin@own', 'coach@own', 'self'],
}

/** An admin of no particular gym manages every gym: allowed wherever the gym's own admin is. */
const withGlobal = (allow: Principal[]) => (allow.includes('admin@own') && !allow.includes('admin@global') ? [...allow, 'admin@global' as const] : allow)

const PRINCIPALS: Principal[] = ['anonymous', 'admin@own', 'coach@own', 'analyst@own', 'member@own', 'admin@other', 'coach@other', 'analyst@other', 'member@other', 'self', 'admin@global']

async function fixture() {
  const registry = SqliteRegistry.open(':memory:', { secretCost: { N: 1024, r: 8, p: 1 } })
  for (const gym of ['gym-a', 'gym-b']) await registry.createGym({ id: gym, name: gym, timezone: 'UTC' })
  const login: Record<string, string> = {}
  for (const [gym, where] of [['gym-a', 'own'], ['gym-b', 'other']] as const) {
    for (const role of ['admin', 'coach', 'analyst', 'member'] as const) {
      const id = `${role}-${where}`
      await registry.createUser({ id, gymId: gym, role, displayName: id, login: id }, `pw-${id}`)
      login[`${role}@${where}`] = id
    }
  }
  await registry.createUser({ id: 'member-a', gymId: 'gym-a', role: 'member', displayName: 'A', login: 'member-a' }, 'pw-member-a')
  login.self = 'member-a'
  await registry.createUser({ id: 'admin-global', gymId: null, role: 'admin', displayName: 'G', login: 'admin-global' }, 'pw-admin-global')
  login['admin@global'] = 'admin-global'
  await registry.startSession({ id: 'class-a', gymId: 'gym-a', coachUserId: null, title: 'A', startedMs: Date.now() - 60_000, endedMs: null })
  await registry.setMemberProfile('member-a', { birthYear: 1990 })
  await registry.createDevice({ id: 'strap-a', gymId: 'gym-a', kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
  await registry.assign('strap-a', 'member-a', Date.now() - 60_000, 'class-a')
  const app = await buildApp({ registry, loginAttemptsPerMinute: 100 })
  app.hub.nearbyList('gym-a', { gateway: 'gw-a', at: Date.now(), devices: [{ address: 'AA:BB:CC:DD:EE:FF', rssi: -60, services: [0x180d] }] })
  const cookies: Partial<Record<Principal, string>> = {}
  for (const [principal, id] of Object.entries(login)) {
    const res = await app.inject({ method: 'POST', url: '/api/login', payload: { login: id, password: `pw-${id}` } })
    expect(res.statusCode).toBe(200)
    cookies[principal as Principal] = res.cookies.find((c) => c.name === SESSION_COOKIE)!.value
  }
  return { app, registry, cookies }
}

describe('authorization matrix', () => {
  it('has an expectation for every route the app serves, and a route for every expectation', async () => {
    const { app, registry } = await fixture()
    const served = app.accessTable.map((r) => `${r.method} ${r.url}`).sort()
    expect(served).toEqual(Object.keys(EXPECTED).sort())
    await app.close()
    await registry.close()
  })

  for (const [route, expectation] of Object.entries(EXPECTED)) {
    it(`${route}`, async () => {
      const [method, template] = route.split(' ') as [string, string]
      const url = template.replace(':gym', 'gym-a').replace(':device', 'strap-a').replace(':member', 'member-a').replace(':session', 'class-a')
      const outcomes: Record<string, string> = {}
      for (const principal of PRINCIPALS) {
        // a fresh fixture per principal: an allowed request may change what the next one sees (erasure)
        const { app, registry, cookies } = await fixture()
        const cookie = cookies[principal]
        const res = await app.inject({ method: method as 'GET', url, payload: expectation.body, cookies: cookie ? { [SESSION_COOKIE]: cookie } : {} })
        // The access layer answers 401 "unauthenticated" or 403 "forbidden"; a route's own 401/403 (a wrong
        // password at login, say) means the request got through.
        const denied = (res.statusCode === 401 || res.statusCode === 403) && ['unauthenticated', 'forbidden'].includes(res.json().error)
        outcomes[principal] = denied ? `deny ${res.statusCode}` : 'allow'
        if (denied) expect(res.statusCode).toBe(principal === 'anonymous' ? 401 : 403)
        await app.close()
        await registry.close()
      }
      const allow = withGlobal(expectation.allow)
      const expected = Object.fromEntries(PRINCIPALS.map((p) => [p, allow.includes(p) ? 'allow' : `deny ${p === 'anonymous' ? 401 : 403}`]))
      expect(outcomes).toEqual(expected)
    }, 60_000)
  }

  it('has an expectation for every live topic, and a topic for every expectation', () => {
    expect(Object.keys(WS_TOPICS).sort()).toEqual(Object.keys(EXPECTED_WS).sort())
  })

  for (const [pattern, allowed] of Object.entries(EXPECTED_WS)) {
    it(`live topic ${pattern}`, async () => {
      const { app, registry, cookies } = await fixture()
      const topic = pattern.replace(':gym', 'gym-a').replace(':member', 'member-a')
      const outcomes: Record<string, string> = {}
      for (const principal of PRINCIPALS) {
        const user = cookies[principal] ? await registry.sessionUser(cookies[principal]!) : undefined
        outcomes[principal] = await mayReceive(registry, user, topic)
      }
      const allow = withGlobal(allowed)
      expect(outcomes).toEqual(Object.fromEntries(PRINCIPALS.map((p) => [p, allow.includes(p) ? 'ok' : 'forbidden'])))
      await app.close()
      await registry.close()
    }, 60_000)
  }
})
