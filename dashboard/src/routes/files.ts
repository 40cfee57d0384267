/**
 * Members' files over the REST API. Export: a class as a FIT activity file (or TCX, for apps that take that)
 * for the member to upload to Strava, Garmin Connect or intervals.icu (files/ builds both); read-only, audited
 * like every read of history. Import: a file from the member's own watch (FIT, GPX, TCX, a Fitbit export's JSON), uploaded as
 * application/octet-stream, through the same decoding, validation and storage as `npm run import`; it writes
 * with the imports' own InfluxDB credential (dashboard.imports), the only write the dashboard makes.
 */
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ID_PATTERN, PulselineError } from '@pulseline/protocol'
import type { InfluxClient } from '@pulseline/influx'
import type { Registry } from '@pulseline/registry'
import { accountOf, activityTcx, memberZone, classActivity, decodeMemberFile, encodeActivity, planImport, storeImport, type Activity, type LineWriter } from '@pulseline/files'

const Id = Type.String({ pattern: ID_PATTERN.source })

export interface FileRouteOptions {
  registry: Registry
  influx: InfluxClient | undefined
  /** Where imports are written; none: uploads are refused (503). */
  importWriter?: LineWriter
  /** Largest upload; a 3-hour FIT ride is about 1 MiB, a GPX of it 2–5 MiB. Apple Health exports go through the CLI. */
  maxImportBytes?: number
}

export async function fileRoutes(app: FastifyInstance, { registry, influx, importWriter, maxImportBytes = 32 * 2 ** 20 }: FileRouteOptions): Promise<void> {
  // Uploads are raw bytes, in this plugin only (Fastify scopes a content-type parser to its plugin).
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: maxImportBytes }, (_request, body, done) => done(null, body))

  app.post(
    '/api/members/:member/imports',
    {
      config: { access: 'member:read' as const },
      bodyLimit: maxImportBytes,
      schema: {
        params: Type.Object({ member: Id }),
        querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()), name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._ -]{1,100}$' })) }, { additionalProperties: false }),
        tags: ['history'],
        summary: "Imports a file from the member's own watch (FIT, GPX, TCX or a Fitbit export's JSON, as application/octet-stream); ?dryRun=true only accounts for it",
      },
    },
    async (request, reply) => {
      const { member } = request.params as { member: string }
      const { dryRun, name = 'upload' } = request.query as { dryRun?: boolean; name?: string }
      const body = request.body
      if (!Buffer.isBuffer(body)) return reply.code(415).send({ error: 'send the file as application/octet-stream' })
      try {
        // A Fitbit file's times carry no zone: its sleep is read in the member's (see files/src/fitbit).
        const fitbit = { intraday: 'UTC', sleep: await memberZone(registry, member) }
        const plan = planImport(name, await decodeMemberFile(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), name, { fitbit }))
        const account = accountOf(plan)
        if (dryRun) return { account }
        if (!importWriter) return reply.code(503).send({ error: 'imports are not configured (dashboard.imports)' })
        const stored = await storeImport(plan, member, registry, importWriter)
        await registry.audit(request.user!.id, `samples.import ${account.format}`, member)
        return reply.code(201).send({ account, stored })
      } catch (err) {
        if (err instanceof PulselineError && err.code.startsWith('PL_FILE_')) return reply.code(err.http).send({ error: err.message, code: err.code })
        throw err
      }
    },
  )

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
