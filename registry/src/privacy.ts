/**
 * A member's export: everything Pulseline holds about them, streamed as one JSON document so that years
 * of 1 Hz history never sit in memory at once (security review M9). Registry rows (user, profile, devices,
 * assignments, the classes they were in, and the audit trail of who did what about them), then every
 * stored point tagged with them, raw and derived (review M5), read in chunks.
 *
 * Erasure is the registry's `eraseUser` (it records what to purge); ingest carries it out in InfluxDB,
 * its log, dead letters and gateways (ingest/src/erasure/). The registry itself never touches InfluxDB:
 * the history comes in through the small `HistoryReader` interface, which InfluxClient satisfies.
 */
import { DERIVED_MEASUREMENTS, ID_PATTERN, MEASUREMENTS, PulselineError } from '@pulseline/protocol'
import type { Registry } from './registry.js'
import { RegistryError } from './registry.js'

export interface HistoryReader {
  queryChunks(q: string, params: Record<string, string | number> | undefined, chunkSize: number): AsyncIterable<Array<Record<string, unknown>>>
}

/** Every measurement that carries a member tag. */
export const MEMBER_MEASUREMENTS = [...MEASUREMENTS, ...DERIVED_MEASUREMENTS] as const

const CHUNK_ROWS = 5000

function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) throw new PulselineError('PL_CONFIG_INVALID', 'member id', JSON.stringify(id))
  return id
}

/**
 * The export as JSON text, in pieces: `{"exportedAt", "user", "profile", "devices", "assignments",
 * "sessions", "audit", "history": {"hr": [...], ...}}`. Throws RegistryError not_found before the first
 * piece when there is no such member.
 */
export async function exportMember(registry: Registry, history: HistoryReader, userId: string, actor: string): Promise<AsyncGenerator<string>> {
  const user = await registry.user(checkId(userId))
  if (!user) throw new RegistryError('not_found', `no user ${userId}`)
  const assignments = await registry.assignmentsOfUser(userId)
  const sessionIds = [...new Set(assignments.map((a) => a.sessionId).filter((s): s is string => !!s))]
  const sessions = (await Promise.all(sessionIds.map((id) => registry.session(id)))).filter((s) => s !== undefined)
  const head = {
    exportedAt: new Date().toISOString(),
    user,
    profile: (await registry.memberProfile(userId)) ?? null,
    devices: await registry.devicesOwnedBy(userId),
    assignments,
    sessions,
    audit: await registry.auditAbout(userId),
  }
  // One query before anything is sent: an unreachable or misconfigured InfluxDB answers an error now,
  // with a status, rather than cutting the download off half way.
  for await (const _ of history.queryChunks('SHOW MEASUREMENTS LIMIT 1', undefined, 1)) break
  await registry.audit(actor, 'member.export', userId)
  return (async function* () {
    yield `${JSON.stringify(head).slice(0, -1)},"history":{`
    let firstMeasurement = true
    for (const m of MEMBER_MEASUREMENTS) {
      let first = true
      for await (const rows of history.queryChunks(`SELECT * FROM "${m}" WHERE "member" = $member`, { member: userId }, CHUNK_ROWS)) {
        if (rows.length === 0) continue
        const body = rows.map((r) => JSON.stringify(r)).join(',')
        if (first) {
          yield `${firstMeasurement ? '' : ','}${JSON.stringify(m)}:[${body}`
          first = false
          firstMeasurement = false
        } else yield `,${body}`
      }
      if (!first) yield ']'
    }
    yield '}}'
  })()
}

/** The whole export as one value (tests, the CLI): only for members whose history fits in memory. */
export async function exportMemberValue(registry: Registry, history: HistoryReader, userId: string, actor: string): Promise<Record<string, unknown>> {
  let text = ''
  for await (const piece of await exportMember(registry, history, userId, actor)) text += piece
  return JSON.parse(text) as Record<string, unknown>
}
