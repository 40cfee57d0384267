/**
 * Stores a planned import: the member's samples in the same series as live ones, tagged with the file's
 * device and `source` (the format), so that zones, summaries and Grafana treat them alike and an analyst can
 * still tell them apart. Points are keyed by their time in the file: importing the same file twice writes the
 * same points again, which InfluxDB keeps once.
 *
 * The file's device becomes the member's own device in the registry (a watch, owned): a file from a device
 * another member owns is refused before anything is written, and erasing the member erases these samples with
 * the rest (ingest's erasure covers owned devices from the beginning).
 */
import { createHash } from 'node:crypto'
import { ID_PATTERN, PulselineError, sampleToLines, seriesTags } from '@pulseline/protocol'
import type { Registry } from '@pulseline/registry'
import type { ImportPlan } from './plan-import.js'

/** Lines per InfluxDB write: 5,000 is InfluxData's recommended batch size for the 1.x write API. */
const LINES_PER_WRITE = 5000

export interface LineWriter {
  write(body: string): Promise<void>
}

export interface StoredImport {
  device: string
  points: number
  createdDevice: boolean
}

/** The device id a file's samples are stored under: from its maker and serial, else one per member and format. */
export function importedDeviceId(plan: ImportPlan, member: string): string {
  const { maker, serial } = plan.decoded.device
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9_.:-]+/g, '-').replace(/^-+|-+$/g, '')
  if (serial) {
    const id = `${slug(maker) || 'device'}-${slug(serial)}`.slice(0, 64)
    if (ID_PATTERN.test(id)) return id
  }
  return `import-${plan.decoded.format}-${createHash('sha256').update(member).digest('hex').slice(0, 16)}`
}

export async function storeImport(plan: ImportPlan, member: string, registry: Registry, influx: LineWriter): Promise<StoredImport> {
  const user = await registry.user(member)
  if (!user || user.role !== 'member' || !user.gymId) throw new PulselineError('PL_FILE_MEMBER', member)
  if (plan.accepted.length === 0) throw new PulselineError('PL_FILE_EMPTY', plan.file, describeRefused(plan))
  const device = importedDeviceId(plan, member)
  const existing = await registry.device(device)
  if (existing && existing.ownerUserId !== member) throw new PulselineError('PL_FILE_DEVICE_NOT_OWN', plan.file, device)
  if (!existing) {
    await registry.createDevice({ id: device, gymId: user.gymId, kind: 'watch', address: null, serial: plan.decoded.device.serial, ownerUserId: member, pool: false })
    await registry.audit('import', 'device.import', device)
  }
  const tags = seriesTags(device, user.gymId, member, plan.decoded.format)
  let body = ''
  let lines = 0
  let points = 0
  for (const sample of plan.accepted) {
    body += sampleToLines(sample, tags)
    lines++
    points++
    if (lines === LINES_PER_WRITE) {
      await influx.write(body)
      body = ''
      lines = 0
    }
  }
  if (body) await influx.write(body)
  await registry.audit('import', `samples.import ${plan.decoded.format} ${points}`, member)
  return { device, points, createdDevice: !existing }
}

export function describeRefused(plan: ImportPlan): string {
  const parts = Object.entries(plan.refused).map(([code, r]) => `${r.count} refused ${code} (${r.example})`)
  return parts.length ? parts.join('; ') : 'the file holds no heart rate, equipment, steps or sleep with times'
}
