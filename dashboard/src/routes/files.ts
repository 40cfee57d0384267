/**
 * Members' files over the REST API: a class as a FIT activity file for the member to upload to Strava,
 * Garmin Connect or intervals.icu (files/ builds it). Read-only, so it needs only the dashboard's read
 * credential for InfluxDB; audited like every read of history.
 */
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ID_PATTERN, PulselineError } from '@pulseline/protocol'
import type { InfluxClient } from '@pulseline/influx'
import type { Registry } from '@pulseline/registry'
import { classActivity, encodeActivity } from '@pulseline/files'

const Id = Type.String({ pattern: ID_PATTERN.source })

export async function fileRoutes(app: FastifyInstance, { registry, influx }: { registry: Registry; influx: InfluxClient | undefined }): Promise<void> {
  app.get(
    '/api/members/:member/sessions/:session/activity.fit',
    {
      config: { access: 'member:read' as const },
      schema: { params: Type.Object({ member: Id, session: Id }), tags: ['history'], summary: "A member's class as a FIT activity file" },
    },
    async (request, reply) => {
      const { member, session: sessionId } = request.params as { member: string; session: string }
      if (!influx) return reply.code(503).send({ error: 'no InfluxDB configured' })
      const user = await registry.user(member)
      const session = await registry.session(sessionId)
      // The class must be in the member's gym: a member id and another gym's class id read nothing.
      if (!user || !session || session.gymId !== user.gymId) return reply.code(404).send({ error: 'no such class for this member' })
      await registry.audit(request.user!.id, 'history.export.fit', member)
      try {
        const fit = encodeActivity(await classActivity(influx, session, member))
        return reply
          .header('content-type', 'application/vnd.ant.fit')
          .header('content-disposition', `attachment; filename="${sessionId}-${member}.fit"`)
          .send(Buffer.from(fit.buffer, fit.byteOffset, fit.byteLength))
      } catch (err) {
        if (err instanceof PulselineError && err.code === 'PL_EXPORT_EMPTY') return reply.code(404).send({ error: err.message, code: err.code })
        throw err
      }
    },
  )
}
