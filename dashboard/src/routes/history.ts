/**
 * The history API: a member's HR (with their HRmax, for zone bands), equipment metrics, class sessions and
 * daily sleep and steps; a class's summary. Ranges and formats are validated by schema; `GROUP BY time` is
 * chosen from the range (history/resolution.ts). Every response can be CSV (`?format=csv`). Reads are
 * audited: history is health data.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ID_PATTERN } from '@pulseline/protocol'
import type { InfluxClient } from '@pulseline/influx'
import type { Registry } from '@pulseline/registry'
import { dailyHistory, equipmentHistory, hrHistory, memberSessions, sessionSummary, type Range } from '../history/queries.js'
import { toCsv } from '../history/csv.js'

const Id = Type.String({ pattern: ID_PATTERN.source })
const YEAR_MS = 366 * 86_400_000
const RangeQuery = Type.Object(
  {
    from: Type.Integer({ minimum: 946_684_800_000, description: 'start, ms since the epoch' }),
    to: Type.Integer({ minimum: 946_684_800_000, description: 'end (exclusive), ms since the epoch' }),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
)
const MemberParams = Type.Object({ member: Id })

function rangeOf(query: { from: number; to: number }, reply: FastifyReply): Range | undefined {
  if (query.to <= query.from) return void reply.code(400).send({ error: 'to must be after from' })
  if (query.to - query.from > 2 * YEAR_MS) return void reply.code(400).send({ error: 'at most two years per request' })
  return { fromMs: query.from, toMs: query.to }
}

function send(reply: FastifyReply, format: string | undefined, name: string, body: unknown, rows: ReadonlyArray<Record<string, unknown>>) {
  if (format !== 'csv') return body
  return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(rows))
}

export async function historyRoutes(app: FastifyInstance, { registry, influx }: { registry: Registry; influx: InfluxClient | undefined }): Promise<void> {
  const member = (request: { params: unknown }) => (request.params as { member: string }).member
  const ready = (reply: FastifyReply) => (influx ? influx : void reply.code(503).send({ error: 'no InfluxDB configured' }))
  const opts = (tags: string[]) => ({ config: { access: 'member:history' as const }, schema: { params: MemberParams, querystring: RangeQuery, tags } })

  app.get('/api/members/:member/history/hr', opts(['history']), async (request, reply) => {
    const q = request.query as { from: number; to: number; format?: string }
    const range = rangeOf(q, reply)
    const db = ready(reply)
    if (!range || !db) return reply
    await registry.audit(request.user!.id, 'history.hr', member(request))
    const body = await hrHistory(db, member(request), range)
    return send(reply, q.format, `hr-${member(request)}`, body, body.points)
  })

  app.get('/api/members/:member/history/equipment', opts(['history']), async (request, reply) => {
    const q = request.query as { from: number; to: number; format?: string }
    const range = rangeOf(q, reply)
    const db = ready(reply)
    if (!range || !db) return reply
    await registry.audit(request.user!.id, 'history.equipment', member(request))
    const body = await equipmentHistory(db, member(request), range)
    return send(reply, q.format, `equipment-${member(request)}`, body, body.points)
  })

  app.get('/api/members/:member/sessions', opts(['history']), async (request, reply) => {
    const q = request.query as { from: number; to: number; format?: string }
    const range = rangeOf(q, reply)
    const db = ready(reply)
    if (!range || !db) return reply
    await registry.audit(request.user!.id, 'history.sessions', member(request))
    const rows = await memberSessions(db, member(request), range)
    return send(reply, q.format, `sessions-${member(request)}`, { sessions: rows }, rows)
  })

  app.get('/api/members/:member/daily', opts(['history']), async (request, reply) => {
    const q = request.query as { from: number; to: number; format?: string }
    const range = rangeOf(q, reply)
    const db = ready(reply)
    if (!range || !db) return reply
    await registry.audit(request.user!.id, 'history.daily', member(request))
    const body = await dailyHistory(db, member(request), range)
    return send(reply, q.format, `daily-${member(request)}`, body, [...body.sleep.map((r) => ({ kind: 'sleep', ...r })), ...body.steps.map((r) => ({ kind: 'steps', ...r }))])
  })

  // A class's end-of-class summary (written by analytics when the class ends; 202 until it has been).
  app.get(
    '/api/sessions/:session/summary',
    { config: { access: 'gym:read' }, schema: { params: Type.Object({ session: Id }), querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) }), tags: ['classes'] } },
    async (request, reply) => {
      const id = (request.params as { session: string }).session
      const db = ready(reply)
      if (!db) return reply
      const session = await registry.session(id)
      if (!session) return reply.code(404).send({ error: 'no such session' })
      const rows = await sessionSummary(db, id)
      await registry.audit(request.user!.id, 'history.session_summary', id)
      if (rows.length === 0) return reply.code(session.endedMs === null ? 409 : 202).send({ error: session.endedMs === null ? 'the class is still running' : 'the summary is being computed', rows: [] })
      const names = new Map((await registry.usersOfGym(session.gymId, 'member')).map((u) => [u.id, u.displayName]))
      const named = rows.map((r) => ({ name: names.get(r.member as string) ?? r.member, ...r }))
      return send(reply, (request.query as { format?: string }).format, `class-${id}`, { session, rows: named }, named)
    },
  )
}
