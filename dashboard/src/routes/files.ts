/**
 * Members' files over the REST API: a class as a FIT activity file (or TCX, for apps that take that) for the
 * member to upload to Strava, Garmin Connect or intervals.icu (files/ builds both). Read-only, so it needs only the dashboard's read
 * credential for InfluxDB; audited like every read of history.
 */
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ID_PATTERN, PulselineError } from '@pulseline/protocol'
import type { InfluxClient } from '@pulseline/influx'
import type { Registry } from '@pulseline/registry'
import { activityTcx, classActivity, encodeActivity, type Activity } from '@pulseline/files'

const Id = Type.String({ pattern: ID_PATTERN.source })

export async function fileRoutes(app: FastifyInstance, { registry, influx }: { registry: Registry; influx: InfluxClient | undefined }): Promise<void> {
  const formats: Record<'fit' | 'tcx', { type: string; encode: (a: Activity) => Buffer }> = {
    fit: { type: 'application/vnd.ant.fit', encode: (a) => Buffer.from(encodeActivity(a)) },
    tcx: { type: 'application/vnd.garmin.tcx+xml', encode: (a) => Buffer.from(activityTcx(a)) },
  }
  for (const [format, { type, encode }] of Object.entries(formats)) {
    app.get(
      `/api/members/:member/sessions/:session/activity.${format}`,
      {
        config: { access: 'member:read' as const },
        schema: { params: Type.Object({ member: Id, session: Id }), tags: ['history'], summary: `A member's class as a ${format.toUpperCase()} activity file` },
      },
      async (request, reply) => {
        const { member, session: sessionId } = request.params as { member: string; session: string }
        if (!influx) return reply.code(503).send({ error: 'no InfluxDB configured' })
        const user = await registry.user(member)
        const session = await registry.session(sessionId)
        // The class must be in the member's gym: a member id and another gym's class id read nothing.
        if (!user || !session || session.gymId !== user.gymId) return reply.code(404).send({ error: 'no such class for this member' })
        await registry.audit(request.user!.id, `history.export.${format}`, member)
        try {
          const body = encode(await classActivity(influx, session, member))
          return reply.header('content-type', type).header('content-disposition', `attachment; filename="${sessionId}-${member}.${format}"`).send(body)
        } catch (err) {
          if (err instanceof PulselineError && err.code === 'PL_EXPORT_EMPTY') return reply.code(404).send({ error: err.message, code: err.code })
          throw err
        }
      },
    )
  }
}
