/**
 * Authentication and authorization for every route. A session cookie (httpOnly, SameSite=Strict, Secure
 * when TLS is on) carries a random token; the registry stores its hash. Each route's `config.access`
 * names a rule from access-rules.ts; a route without one stops the server at start-up. The gym and
 * member a request is about come from its parameters (`:gym`, `:device`, `:member`) through the registry.
 */
import fp from 'fastify-plugin'
import type {} from '@fastify/cookie'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Registry, User } from '@pulseline/registry'
import { ACCESS_RULES, type AccessRule } from './access-rules.js'

export const SESSION_COOKIE = 'pl_session'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule
  }
  interface FastifyRequest {
    user: User | undefined
  }
  interface FastifyInstance {
    /** Every route with its access rule, for the authorization-matrix test and the docs. */
    accessTable: Array<{ method: string; url: string; access: AccessRule }>
  }
}

export interface AccessOptions {
  registry: Registry
}

export async function resolveScope(registry: Registry, params: Record<string, string>): Promise<{ gymId: string | undefined; memberId: string | undefined }> {
  if (params.member) {
    const member = await registry.user(params.member)
    return { gymId: member?.gymId ?? undefined, memberId: params.member }
  }
  if (params.device) return { gymId: (await registry.device(params.device))?.gymId, memberId: undefined }
  if (params.session) return { gymId: (await registry.session(params.session))?.gymId, memberId: undefined }
  return { gymId: params.gym, memberId: undefined }
}

export const accessPlugin = fp(async (app: FastifyInstance, options: AccessOptions) => {
  app.decorateRequest('user', undefined)
  app.decorate('accessTable', [])
  app.addHook('onRoute', (route) => {
    // The documentation plugin's routes (/docs, its assets, /docs/json) take no config of ours: they get the
    // rule here, explicitly, rather than skipping the check.
    if (route.url === '/docs' || route.url.startsWith('/docs/')) route.config = { ...(route.config as object), access: 'authenticated' }
    const access = (route.config as { access?: string } | undefined)?.access
    if (!access || !(access in ACCESS_RULES)) throw new Error(`route ${route.method} ${route.url} has no access rule`)
    for (const method of [route.method].flat()) if (method !== 'HEAD') app.accessTable.push({ method, url: route.url, access: access as AccessRule })
  })
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const token = request.cookies[SESSION_COOKIE]
    request.user = token ? await options.registry.sessionUser(token) : undefined
  })
  // preValidation, not preHandler: a request that may not reach the route learns nothing of its schema.
  app.addHook('preValidation', async (request, reply) => {
    const access = request.routeOptions.config.access
    if (!access) return // no route matched: a plain 404
    const scope = await resolveScope(options.registry, (request.params ?? {}) as Record<string, string>)
    if (ACCESS_RULES[access]({ user: request.user, ...scope })) return
    // 401 when nobody is logged in, 403 when the logged-in user may not; 404 would hide existence, but
    // the ids here are not secret and a clear answer helps the UI.
    return reply.code(request.user ? 403 : 401).send({ error: request.user ? 'forbidden' : 'unauthenticated' })
  })
})
