/**
 * Managing the registry over REST: gyms (admins of no particular gym), users (a gym's admins), the class
 * lifecycle (coaches), and member profiles (the member, or the gym's coaches and admins). Every change is
 * audited with the acting user's id.
 */
import type { FastifyInstance } from 'fastify'
import { registryErrorReply } from './registry-errors.js'
import { Type } from '@sinclair/typebox'
import { ID_PATTERN } from '@pulseline/protocol'
import { ROLES, isTimeZone, type MemberProfile, type Registry, type Role } from '@pulseline/registry'

const Id = Type.String({ pattern: ID_PATTERN.source })
const GymParams = Type.Object({ gym: Id })

export const ProfileBody = Type.Object(
  {
    birthYear: Type.Optional(Type.Integer({ minimum: 1900, maximum: 2100 })),
    sex: Type.Optional(Type.Union([Type.Literal('female'), Type.Literal('male')])),
    weightKg: Type.Optional(Type.Number({ minimum: 20, maximum: 300 })),
    restingHr: Type.Optional(Type.Integer({ minimum: 25, maximum: 120 })),
    maxHr: Type.Optional(Type.Integer({ minimum: 100, maximum: 240 })),
    maxHrMeasured: Type.Optional(Type.Boolean()),
    lthr: Type.Optional(Type.Integer({ minimum: 80, maximum: 230 })),
    zoneModel: Type.Optional(Type.Union(['percent_max', 'karvonen', 'friel_run', 'friel_bike', 'custom'].map((m) => Type.Literal(m)))),
    zoneEdges: Type.Optional(Type.Array(Type.Integer({ minimum: 40, maximum: 240 }), { minItems: 5, maxItems: 5 })),
    vo2max: Type.Optional(Type.Number({ minimum: 10, maximum: 95 })),
    hrMaxFormula: Type.Optional(Type.Union(['fox', 'tanaka', 'gellish', 'nes'].map((m) => Type.Literal(m)))),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    // One address, no display name or list: it goes into an SMTP envelope (RFC 5321 caps a path at 256 octets).
    email: Type.Optional(Type.String({ maxLength: 254, pattern: '^[^\\s@<>(),;:"\\[\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$' })),
    summaryByEmail: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export async function adminRoutes(app: FastifyInstance, { registry }: { registry: Registry }): Promise<void> {
  app.get('/api/gyms', { config: { access: 'global:admin' }, schema: { tags: ['admin'] } }, async () => registry.gyms())

  app.post(
    '/api/gyms',
    { config: { access: 'global:admin' }, schema: { tags: ['admin'], body: Type.Object({ id: Id, name: Type.String({ minLength: 1, maxLength: 200 }), timezone: Type.String({ maxLength: 64 }) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const gym = request.body as { id: string; name: string; timezone: string }
      if (!isTimeZone(gym.timezone)) return reply.code(400).send({ error: `unknown time zone ${gym.timezone}` })
      try {
        await registry.createGym(gym)
      } catch (err) {
        return registryErrorReply(reply, err)
      }
      await registry.audit(request.user!.id, 'gym.create', gym.id)
      return reply.code(201).send(gym)
    },
  )

  app.get(
    '/api/gyms/:gym/users',
    { config: { access: 'gym:read' }, schema: { tags: ['admin'], params: GymParams, querystring: Type.Object({ role: Type.Optional(Type.Union(ROLES.map((r) => Type.Literal(r)))) }) } },
    async (request) => {
      const users = await registry.usersOfGym((request.params as { gym: string }).gym, (request.query as { role?: Role }).role)
      // Logins are people's e-mail addresses: admins manage them; coaches and analysts need names only (review L7).
      return request.user!.role === 'admin' ? users : users.map((u) => ({ ...u, login: null }))
    },
  )

  app.post(
    '/api/gyms/:gym/users',
    {
      config: { access: 'gym:admin' },
      schema: {
        tags: ['admin'],
        params: GymParams,
        body: Type.Object(
          {
            id: Id,
            role: Type.Union(ROLES.map((r) => Type.Literal(r))),
            displayName: Type.String({ minLength: 1, maxLength: 200 }),
            login: Type.Optional(Type.String({ minLength: 3, maxLength: 200 })),
            password: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const gym = (request.params as { gym: string }).gym
      const b = request.body as { id: string; role: Role; displayName: string; login?: string; password?: string }
      if ((b.login === undefined) !== (b.password === undefined)) return reply.code(400).send({ error: 'login and password go together' })
      try {
        await registry.createUser({ id: b.id, gymId: gym, role: b.role, displayName: b.displayName, login: b.login ?? null }, b.password)
      } catch (err) {
        return registryErrorReply(reply, err)
      }
      await registry.audit(request.user!.id, 'user.create', b.id)
      return reply.code(201).send({ id: b.id })
    },
  )

  app.get('/api/gyms/:gym/sessions', { config: { access: 'gym:read' }, schema: { tags: ['classes'], params: GymParams } }, async (request) =>
    registry.sessionsOfGym((request.params as { gym: string }).gym, Date.now() - 30 * 86_400_000),
  )

  app.post('/api/sessions/:session/end', { config: { access: 'gym:manage' }, schema: { tags: ['classes'], params: Type.Object({ session: Id }) } }, async (request, reply) => {
    const id = (request.params as { session: string }).session
    const session = await registry.session(id)
    if (!session) return reply.code(404).send({ error: 'no such session' })
    if (session.endedMs !== null) return reply.code(409).send({ error: 'session already ended' })
    await registry.endSession(id, Date.now())
    await registry.audit(request.user!.id, 'session.end', id)
    return registry.session(id)
  })

  app.delete('/api/devices/:device/assignments', { config: { access: 'gym:manage' }, schema: { tags: ['classes'], params: Type.Object({ device: Id }) } }, async (request, reply) => {
    const device = (request.params as { device: string }).device
    const open = (await registry.assignments(device)).find((a) => a.toMs === null)
    if (!open) return reply.code(404).send({ error: 'the device is not assigned' })
    await registry.unassign(device, Date.now())
    await registry.audit(request.user!.id, 'assignment.end', `${device}:${open.userId}`)
    return reply.code(204).send()
  })

  app.put('/api/members/:member/profile', { config: { access: 'member:read' }, schema: { tags: ['members'], params: Type.Object({ member: Id }), body: ProfileBody } }, async (request, reply) => {
    const member = (request.params as { member: string }).member
    const target = await registry.user(member)
    if (!target || target.role !== 'member') return reply.code(404).send({ error: 'no such member' })
    const profile = request.body as MemberProfile
    if (profile.timezone !== undefined && !isTimeZone(profile.timezone)) return reply.code(400).send({ error: `unknown time zone ${profile.timezone}` })
    if (profile.zoneEdges?.some((e, i, all) => i > 0 && e <= all[i - 1]!)) return reply.code(400).send({ error: 'zone edges must ascend' })
    await registry.setMemberProfile(member, { ...(await registry.memberProfile(member)), ...profile })
    await registry.audit(request.user!.id, 'profile.change', member)
    return registry.memberProfile(member)
  })
}
