/**
 * Pairing, the two ways members recognise: a code the device shows, or picking it from the devices a
 * gateway of their gym sees nearby right now.
 */
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ID_PATTERN } from '@pulseline/protocol'
import { RegistryError, type DeviceKind, type Registry } from '@pulseline/registry'
import type { LiveHub } from '../live/live-hub.js'

const Id = Type.String({ pattern: ID_PATTERN.source })
const BleAddress = Type.String({ pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$' })

/** The kind a device is claimed as, from the GATT services it advertises (Bluetooth SIG assigned numbers). */
function kindFromServices(services: readonly number[]): DeviceKind {
  if (services.includes(0x1826)) return 'bike' // FTMS; the gateway refines the machine type when it reads it
  if (services.includes(0x1814)) return 'footpod' // Running Speed and Cadence
  if (services.includes(0x1816) || services.includes(0x1818)) return 'bike' // CSC, Cycling Power
  return 'strap' // Heart Rate
}

export async function pairingRoutes(app: FastifyInstance, { registry, hub }: { registry: Registry; hub: LiveHub }): Promise<void> {
  app.post('/api/devices/:device/pairing-code', { config: { access: 'gym:admin' }, schema: { params: Type.Object({ device: Id }), tags: ['pairing'] } }, async (request, reply) => {
    const device = (request.params as { device: string }).device
    try {
      const code = await registry.createPairingCode(device, 10 * 60_000)
      await registry.audit(request.user!.id, 'pairing.code', device)
      return reply.code(201).send({ device, code, expiresInS: 600 })
    } catch (err) {
      if (err instanceof RegistryError) return reply.code(404).send({ error: err.message })
      throw err
    }
  })

  // Codes are guessable only by brute force; the rate limit makes that slow.
  app.post(
    '/api/me/devices',
    {
      config: { access: 'authenticated', rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: { tags: ['pairing'], body: Type.Object({ code: Type.String({ minLength: 6, maxLength: 16 }) }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const device = await registry.redeemPairingCode((request.body as { code: string }).code, request.user!.id)
      if (!device) return reply.code(404).send({ error: 'no such pairing code, or it has expired' })
      await registry.audit(request.user!.id, 'pairing.redeem', device.id)
      return reply.code(201).send(device)
    },
  )

  app.get('/api/me/devices', { config: { access: 'authenticated' }, schema: { tags: ['pairing'] } }, async (request) => registry.devicesOwnedBy(request.user!.id))

  app.get('/api/gyms/:gym/nearby', { config: { access: 'gym:member' }, schema: { params: Type.Object({ gym: Id }), tags: ['pairing'] } }, async (request) => {
    const gym = (request.params as { gym: string }).gym
    const registered = new Map((await registry.devicesOfGym(gym)).filter((d) => d.address).map((d) => [d.address!.toUpperCase(), d]))
    // Only what a member could claim: unregistered, or registered with no owner and not in the pool.
    return hub.nearbyOf(gym).filter((d) => {
      const known = registered.get(d.address.toUpperCase())
      return !known || (known.ownerUserId === null && !known.pool)
    })
  })

  app.post(
    '/api/me/devices/claim',
    { config: { access: 'authenticated', rateLimit: { max: 10, timeWindow: 60_000 } }, schema: { tags: ['pairing'], body: Type.Object({ address: BleAddress }, { additionalProperties: false }) } },
    async (request, reply) => {
      const user = request.user!
      const address = (request.body as { address: string }).address.toUpperCase()
      // Only a device a gateway of the member's own gym sees now: no claiming by typing an address.
      const seen = user.gymId ? hub.nearbyOf(user.gymId).find((d) => d.address.toUpperCase() === address) : undefined
      if (!seen) return reply.code(404).send({ error: 'no gateway of your gym sees that device now' })
      const claim = await registry.requestClaim(user.gymId!, address, kindFromServices(seen.services), user.id)
      if (!claim) return reply.code(409).send({ error: 'that device belongs to someone else, to the gym, or another member asked for it first' })
      if (claim.status === 'mine') return reply.code(200).send({ ...claim.device, status: 'mine' })
      await registry.audit(user.id, 'pairing.claim', claim.device.id)
      // Anyone in range could pick any strap from the list: a coach, who sees who wears it, confirms (review M6).
      return reply.code(202).send({ ...claim.device, status: 'pending' })
    },
  )

  app.get('/api/gyms/:gym/claims', { config: { access: 'gym:manage' }, schema: { params: Type.Object({ gym: Id }), tags: ['pairing'] } }, async (request) =>
    registry.claimRequests((request.params as { gym: string }).gym),
  )

  app.post('/api/devices/:device/claim', { config: { access: 'gym:manage' }, schema: { params: Type.Object({ device: Id }), tags: ['pairing'] } }, async (request, reply) => {
    const deviceId = (request.params as { device: string }).device
    const device = await registry.approveClaim(deviceId)
    if (!device) return reply.code(404).send({ error: 'no claim waits for that device' })
    await registry.audit(request.user!.id, 'pairing.claim.approve', deviceId)
    return reply.code(201).send(device)
  })

  app.delete('/api/devices/:device/claim', { config: { access: 'gym:manage' }, schema: { params: Type.Object({ device: Id }), tags: ['pairing'] } }, async (request, reply) => {
    const deviceId = (request.params as { device: string }).device
    if (!(await registry.rejectClaim(deviceId))) return reply.code(404).send({ error: 'no claim waits for that device' })
    await registry.audit(request.user!.id, 'pairing.claim.reject', deviceId)
    return reply.code(204).send()
  })
}
