/**
 * A member's rights over their data: export everything Pulseline holds about them (registry rows and
 * InfluxDB history), and erase it. Erasure drops their series in InfluxDB first (samples tagged with
 * them, and everything from the devices they own), then their registry rows, so that a failure half way
 * leaves a retryable state rather than orphaned health data. Ids go into InfluxQL only as bound
 * parameters, after a check against the id pattern.
 */
import { ID_PATTERN, MEASUREMENTS, PulselineError } from '@pulseline/protocol'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import type { Registry } from './registry.js'
import type { Assignment, Device, MemberProfile, User } from './types.js'

export interface MemberExport {
  exportedAt: string
  user: User
  profile: MemberProfile | undefined
  devices: Device[]
  assignments: Assignment[]
  /** Every stored point, by measurement, with its time (ms) and fields. */
  history: Record<string, Array<Record<string, unknown>>>
}

function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) throw new PulselineError('PL_CONFIG_INVALID', 'id', JSON.stringify(id))
  return id
}

export async function exportMember(registry: Registry, influx: InfluxClient, userId: string, actor: string): Promise<MemberExport> {
  const user = await registry.user(checkId(userId))
  if (!user) throw new Error(`no user ${userId}`)
  const devices = await registry.devicesOwnedBy(userId)
  const history: MemberExport['history'] = {}
  for (const m of MEASUREMENTS) {
    const rows = rowsOf(await influx.query(`SELECT * FROM "${m}" WHERE "member" = $member`, { member: userId }))
    for (const d of devices) rows.push(...rowsOf(await influx.query(`SELECT * FROM "${m}" WHERE "device" = $device AND "member" = ''`, { device: checkId(d.id) })))
    if (rows.length > 0) history[m] = rows
  }
  await registry.audit(actor, 'member.export', userId)
  return { exportedAt: new Date().toISOString(), user, profile: await registry.memberProfile(userId), devices, assignments: await registry.assignmentsOfUser(userId), history }
}

export async function eraseMember(registry: Registry, influx: InfluxClient, userId: string, actor: string): Promise<void> {
  checkId(userId)
  if (!(await registry.user(userId))) throw new Error(`no user ${userId}`)
  await influx.query('DROP SERIES WHERE "member" = $member', { member: userId }, 'POST')
  for (const d of await registry.devicesOwnedBy(userId)) await influx.query('DROP SERIES WHERE "device" = $device', { device: checkId(d.id) }, 'POST')
  await registry.deleteUser(userId)
  await registry.audit(actor, 'member.erase', userId)
}
