/** Registry errors as HTTP answers: not found 404, conflict (or a duplicate id) 409, invalid 400; anything else is a server error. */
import type { FastifyReply } from 'fastify'
import { RegistryError } from '@pulseline/registry'

export function registryErrorReply(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof RegistryError) return reply.code(err.code === 'not_found' ? 404 : err.code === 'conflict' ? 409 : 400).send({ error: err.message })
  if (err instanceof Error && /UNIQUE|PRIMARY KEY/.test(err.message)) return reply.code(409).send({ error: 'already exists' })
  throw err
}
