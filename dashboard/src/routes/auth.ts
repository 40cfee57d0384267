/**
 * People's login: POST /api/login (rate-limited per address, and per login across addresses: a distributed
 * guess at one account gets the same budget as one address), /api/logout, /api/password, GET /api/me.
 * Passwords are checked against the registry's scrypt hashes; a wrong login and a wrong password answer
 * the same. A password change ends every session of the user.
 */
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import type { Registry } from '@pulseline/registry'
import { SESSION_COOKIE } from '../plugins/access.js'

export interface AuthRouteOptions {
  registry: Registry
  /** Set the Secure flag on the cookie (when the dashboard is served over TLS). */
  secureCookies: boolean
  sessionTtlMs: number
  loginAttemptsPerMinute: number
}

const Credentials = Type.Object({ login: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })
const NewPassword = Type.Object({ current: Type.String({ minLength: 1, maxLength: 200 }), next: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false })

export async function authRoutes(app: FastifyInstance, options: AuthRouteOptions): Promise<void> {
  const { registry } = options
  // Failed attempts per login per minute; past them that login answers 429 until the minute is over.
  const failures = new RateLimiterMemory({ points: options.loginAttemptsPerMinute, duration: 60 })
  const cookie = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: options.secureCookies, maxAge: Math.floor(options.sessionTtlMs / 1000) }

  app.post(
    '/api/login',
    { config: { access: 'public', rateLimit: { max: options.loginAttemptsPerMinute, timeWindow: 60_000 } }, schema: { body: Credentials, tags: ['auth'] } },
    async (request, reply) => {
      const { login, password } = request.body as { login: string; password: string }
      const key = login.trim().toLowerCase()
      const spent = await failures.get(key)
      if (spent && spent.consumedPoints >= options.loginAttemptsPerMinute) return reply.code(429).send({ error: 'too many attempts for this login; wait a minute' })
      const user = await registry.verifyLogin(login, password)
      if (!user) {
        await failures.penalty(key, 1)
        return reply.code(401).send({ error: 'bad login or password' })
      }
      const token = await registry.openUserSession(user.id, options.sessionTtlMs)
      await registry.audit(user.id, 'session.open', user.id)
      return reply.setCookie(SESSION_COOKIE, token, cookie).send({ id: user.id, role: user.role, gymId: user.gymId })
    },
  )

  app.post('/api/logout', { config: { access: 'authenticated' }, schema: { tags: ['auth'] } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE]
    if (token) await registry.closeUserSession(token)
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).send({ ok: true })
  })

  app.get('/api/me', { config: { access: 'authenticated' }, schema: { tags: ['auth'] } }, async (request) => {
    const user = request.user!
    return { id: user.id, role: user.role, gymId: user.gymId, displayName: user.displayName }
  })

  app.post('/api/password', { config: { access: 'authenticated', rateLimit: { max: options.loginAttemptsPerMinute, timeWindow: 60_000 } }, schema: { body: NewPassword, tags: ['auth'] } }, async (request, reply) => {
    const { current, next } = request.body as { current: string; next: string }
    const user = request.user!
    if (!user.login || !(await registry.verifyLogin(user.login, current))) return reply.code(403).send({ error: 'current password is wrong' })
    await registry.changePassword(user.id, next)
    await registry.audit(user.id, 'password.change', user.id)
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).send({ ok: true })
  })
}
