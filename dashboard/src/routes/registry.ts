/**
 * The registry over REST, for the dashboard's admin and coach screens. Every route's access rule is in
 * its config; every change is audited with the acting user's id.
 */
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ID_PATTERN } from '@pulseline/protocol'
import { DEVICE_KINDS, exportMember, type Registry } from '@pulseline/registry'
import { Readable } from 'node:stream'
import type { InfluxClient } from '@pulseline/influx'
import { registryErrorReply } from './registry-errors.js'

const Id = Type.String({ pattern: ID_PATTERN.source })
const GymParams = Type.Object({ gym: Id })
const DeviceParams = Type.Object({ device: Id })
const MemberParams = Type.Object({ member: Id })

export interface RegistryRouteOptions {
  registry: Registry
  influx: InfluxClient | undefined
}

export async function registryRoutes(app: FastifyInstance, { registry, influx }: RegistryRouteOptions): Promise<void> {
  app.get('/api/gyms/:gym/devices', { config: { access: 'gym:read' }, schema: { params: GymParams, tags: ['registry'] } }, async (request) => {
    return registry.devicesOfGym((request.params as { gym: string }).gym)
  })

  app.post(
    '/api/gyms/:gym/devices',
    {
      config: { access: 'gym:admin' },
      schema: {
        params: GymParams,
        tags: ['registry'],
        body: Type.Object(
          { id: Id, kind: Type.Union(DEVICE_KINDS.map((k) => Type.Literal(k))), address: Type.Optional(Type.String({ maxLength: 64 })), serial: Type.Optional(Type.String({ maxLength: 64 })), ownerUserId: Type.Optional(Id), pool: Type.Boolean() },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const gym = (request.params as { gym: string }).gym
      const b = request.body as { id: string; kind: (typeof DEVICE_KINDS)[number]; address?: string; serial?: string; ownerUserId?: string; pool: boolean }
      // An owner is a member of this gym: a device of gym A must not write into gym B's member (review M1).
      if (b.ownerUserId !== undefined) {
        const owner = await registry.user(b.ownerUserId)
        if (!owner || owner.gymId !== gym || owner.role !== 'member') return reply.code(404).send({ error: 'no such member in this gym' })
      }
      try {
        await registry.createDevice({ id: b.id, gymId: gym, kind: b.kind, address: b.address ?? null, serial: b.serial ?? null, ownerUserId: b.ownerUserId ?? null, pool: b.pool })
      } catch (err) {
        return registryErrorReply(reply, err)
      }
      await registry.audit(request.user!.id, 'device.create', b.id)
      return reply.code(201).send({ id: b.id })
    },
  )

  app.post('/api/devices/:device/credentials', { config: { access: 'gym:admin' }, schema: { params: DeviceParams, tags: ['registry'] } }, async (request, reply) => {
    const device = (request.params as { device: string }).device
    const secret = await registry.issueCredential(device)
    await registry.audit(request.user!.id, 'credential.issue', device)
    return reply.code(201).send({ device, secret })
  })

  app.delete('/api/devices/:device/credentials', { config: { access: 'gym:admin' }, schema: { params: DeviceParams, tags: ['registry'] } }, async (request) => {
    const device = (request.params as { device: string }).device
    const revoked = await registry.revokeCredentials(device)
    await registry.audit(request.user!.id, 'credential.revoke', device)
    return { device, revoked }
  })

  app.post(
    '/api/gyms/:gym/sessions',
    { config: { access: 'gym:manage' }, schema: { params: GymParams, tags: ['classes'], body: Type.Object({ id: Id, title: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const gym = (request.params as { gym: string }).gym
      const b = request.body as { id: string; title: string }
      try {
        await registry.startSession({ id: b.id, gymId: gym, coachUserId: request.user!.id, title: b.title, startedMs: Date.now(), endedMs: null })
      } catch (err) {
        return registryErrorReply(reply, err)
      }
      await registry.audit(request.user!.id, 'session.start', b.id)
      return reply.code(201).send({ id: b.id })
    },
  )

  app.post(
    '/api/devices/:device/assignments',
    { config: { access: 'gym:manage' }, schema: { params: DeviceParams, tags: ['classes'], body: Type.Object({ userId: Id, sessionId: Type.Optional(Id) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const device = (request.params as { device: string }).device
      const b = request.body as { userId: string; sessionId?: string }
      const member = await registry.user(b.userId)
      const target = await registry.device(device)
      // A strap can be handed only to a member of the device's own gym.
      if (!member || !target || member.gymId !== target.gymId) return reply.code(404).send({ error: 'no such member in this gym' })
      // ... and into one of this gym's classes that is still running (review L3).
      if (b.sessionId !== undefined) {
        const session = await registry.session(b.sessionId)
        if (!session || session.gymId !== target.gymId || session.endedMs !== null) return reply.code(404).send({ error: 'no such running class in this gym' })
      }
      try {
        await registry.assign(device, b.userId, Date.now(), b.sessionId)
      } catch (err) {
        return registryErrorReply(reply, err)
      }
      await registry.audit(request.user!.id, 'assignment.create', `${device}:${b.userId}`)
      return reply.code(201).send({ device, userId: b.userId })
    },
  )

  app.get('/api/members/:member/profile', { config: { access: 'member:read' }, schema: { params: MemberParams, tags: ['members'] } }, async (request, reply) => {
    const member = (request.params as { member: string }).member
    const profile = await registry.memberProfile(member)
    if (!profile) return reply.code(404).send({ error: 'no profile' })
    await registry.audit(request.user!.id, 'profile.view', member)
    return profile
  })

  // Streamed from InfluxDB in chunks, and limited per user: an export reads a member's whole history (review M9).
  app.get(
    '/api/members/:member/export',
    { config: { access: 'member:read', rateLimit: { max: 3, timeWindow: 60_000, keyGenerator: (request) => request.user?.id ?? request.ip } }, schema: { params: MemberParams, tags: ['members'] } },
    async (request, reply) => {
      if (!influx) return reply.code(503).send({ error: 'no InfluxDB configured' })
      const member = (request.params as { member: string }).member
      let pieces: AsyncGenerator<string>
      try {
        pieces = await exportMember(registry, influx, member, request.user!.id)
      } catch (err) {
        return registryErrorReply(reply, err)
      }
      return reply.type('application/json').header('content-disposition', `attachment; filename="pulseline-${member}.json"`).send(Readable.from(pieces))
    },
  )

  // Erasure is recorded here and carried out by ingest, which holds InfluxDB's write credentials, the log,
  // the dead letters and the gateways' ear (ingest/src/erasure/): 202 Accepted, done within seconds.
  app.delete('/api/members/:member', { config: { access: 'member:erase' }, schema: { params: MemberParams, tags: ['members'] } }, async (request, reply) => {
    const member = (request.params as { member: string }).member
    try {
      const erasure = await registry.eraseUser(member, request.user!.id)
      app.hub.forgetMember(member)
      return reply.code(202).send({ member, erasure: erasure.id, status: 'accepted' })
    } catch (err) {
      return registryErrorReply(reply, err)
    }
  })
}
