import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { SqliteRegistry } from '@pulseline/registry'
import { SESSION_COOKIE, buildApp } from '@pulseline/dashboard'

let registry: SqliteRegistry
let app: FastifyInstance
beforeEach(async () => {
  registry = SqliteRegistry.open(':memory:', { secretCost: { N: 1024, r: 8, p: 1 } })
  await registry.createGym({ id: 'g', name: 'G', timezone: 'UTC' })
  await registry.createUser({ id: 'coach-1', gymId: 'g', role: 'coach', displayName: 'C', login: 'coach@g' }, 'correct horse')
  app = await buildApp({ registry, secureCookies: true, loginAttemptsPerMinute: 5 })
})
afterEach(async () => {
  await app.close()
  await registry.close()
})

const login = (password: string) => app.inject({ method: 'POST', url: '/api/login', payload: { login: 'coach@g', password } })

describe('login', () => {
  it('sets an httpOnly, SameSite=Strict, Secure session cookie that identifies the user', async () => {
    const res = await login('correct horse')
    expect(res.statusCode).toBe(200)
    const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)!
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true, path: '/' })
    const me = await app.inject({ method: 'GET', url: '/api/me', cookies: { [SESSION_COOKIE]: cookie.value } })
    expect(me.json()).toMatchObject({ id: 'coach-1', role: 'coach', gymId: 'g' })
  })

  it('answers a wrong password and an unknown login the same, and rate-limits attempts', async () => {
    const wrong = await login('wrong')
    const unknown = await app.inject({ method: 'POST', url: '/api/login', payload: { login: 'ghost', password: 'x' } })
    expect([wrong.statusCode, wrong.json()]).toEqual([unknown.statusCode, unknown.json()])
    for (let i = 3; i <= 5; i++) expect((await login('wrong')).statusCode).toBe(401) // attempts 3–5 of the limit of 5 a minute
    expect((await login('correct horse')).statusCode).toBe(429) // the sixth is refused, even with the right password
  })

  it('ends the session on logout, and every session on a password change', async () => {
    const a = (await login('correct horse')).cookies.find((c) => c.name === SESSION_COOKIE)!.value
    const b = (await login('correct horse')).cookies.find((c) => c.name === SESSION_COOKIE)!.value
    await app.inject({ method: 'POST', url: '/api/logout', cookies: { [SESSION_COOKIE]: a } })
    expect((await app.inject({ method: 'GET', url: '/api/me', cookies: { [SESSION_COOKIE]: a } })).statusCode).toBe(401)
    expect((await app.inject({ method: 'GET', url: '/api/me', cookies: { [SESSION_COOKIE]: b } })).statusCode).toBe(200)
    const change = await app.inject({ method: 'POST', url: '/api/password', cookies: { [SESSION_COOKIE]: b }, payload: { current: 'correct horse', next: 'battery staple 42' } })
    expect(change.statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/api/me', cookies: { [SESSION_COOKIE]: b } })).statusCode).toBe(401)
    expect((await registry.verifyLogin('coach@g', 'battery staple 42'))?.id).toBe('coach-1')
  })

  it('lets a member pair a watch with the code an admin had the device show', async () => {
    await registry.createUser({ id: 'admin-1', gymId: 'g', role: 'admin', displayName: 'A', login: 'admin@g' }, 'admin pass')
    await registry.createUser({ id: 'mem-1', gymId: 'g', role: 'member', displayName: 'M', login: 'mem@g' }, 'member pass')
    await registry.createDevice({ id: 'watch-1', gymId: 'g', kind: 'watch', address: null, serial: 'W1', ownerUserId: null, pool: false })
    const as = async (login: string, password: string) =>
      (await app.inject({ method: 'POST', url: '/api/login', payload: { login, password } })).cookies.find((c) => c.name === SESSION_COOKIE)!.value
    const admin = await as('admin@g', 'admin pass')
    const { code } = (await app.inject({ method: 'POST', url: '/api/devices/watch-1/pairing-code', cookies: { [SESSION_COOKIE]: admin } })).json()
    const member = await as('mem@g', 'member pass')
    const paired = await app.inject({ method: 'POST', url: '/api/me/devices', cookies: { [SESSION_COOKIE]: member }, payload: { code } })
    expect(paired.statusCode).toBe(201)
    expect(paired.json()).toMatchObject({ id: 'watch-1', ownerUserId: 'mem-1' })
    const again = await app.inject({ method: 'POST', url: '/api/me/devices', cookies: { [SESSION_COOKIE]: member }, payload: { code } })
    expect(again.statusCode).toBe(404)
  })

  it('serves an OpenAPI document listing the routes, to logged-in users only', async () => {
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(401)
    const session = (await login('correct horse')).cookies.find((c) => c.name === SESSION_COOKIE)!.value
    const doc = (await app.inject({ method: 'GET', url: '/docs/json', cookies: { [SESSION_COOKIE]: session } })).json()
    // ... and an interactive page over it at /docs, as Fastify users expect.
    const ui = await app.inject({ method: 'GET', url: '/docs', cookies: { [SESSION_COOKIE]: session } })
    expect(ui.statusCode).toBe(200)
    expect(ui.headers['content-type']).toMatch(/text\/html/)
    expect(ui.body).toMatch(/swagger-ui/i)
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(401)
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/login', '/api/gyms/{gym}/devices', '/api/members/{member}']))
  })
})
