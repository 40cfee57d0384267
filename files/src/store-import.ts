/**
 * Stores imported samples: in the same series as live ones, tagged with the file's device and `source` (the
 * format), so that zones, summaries and Grafana treat them alike and an analyst can still tell them apart.
 * Points are keyed by their time in the file: importing the same file twice writes the same points again,
 * which InfluxDB keeps once.
 *
 * The file's device becomes the member's own device in the registry (a watch, owned): a file from a device
 * another member owns is refused before anything is written, and erasing the member erases these samples with
 * the rest (ingest's erasure covers owned devices from the beginning).
 */
import { createHash } from 'node:crypto'
import { ID_PATTERN, PulselineError, sampleToLines, seriesTags, type Sample, type SeriesTags } from '@pulseline/protocol'
import type { Registry } from '@pulseline/registry'
import type { FileFormat, SourceDevice } from './decoded-file.js'
import type { ImportPlan } from './plan-import.js'

/** Lines per InfluxDB write: 5,000 is InfluxData's recommended batch size for the 1.x write API. */
const LINES_PER_WRITE = 5000

export interface LineWriter {
  write(body: string): Promise<void>
}

export interface ImportTarget {
  device: string
  createdDevice: boolean
  tags: SeriesTags
}

/** The device id a file's samples are stored under: from its maker and serial, else one per member and format. */
export function importedDeviceId(format: FileFormat, device: SourceDevice, member: string): string {
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9_.:-]+/g, '-').replace(/^-+|-+$/g, '')
  if (device.serial) {
    const id = `${slug(device.maker) || 'device'}-${slug(device.serial)}`.slice(0, 64)
    if (ID_PATTERN.test(id)) return id
  }
  return `import-${format}-${createHash('sha256').update(member).digest('hex').slice(0, 16)}`
}

/** Checks the member and the device before anything is written; registers the device as the member's own. */
export async function importTarget(registry: Registry, member: string, file: string, format: FileFormat, source: SourceDevice): Promise<ImportTarget> {
  const user = await registry.user(member)
  if (!user || user.role !== 'member' || !user.gymId) throw new PulselineError('PL_FILE_MEMBER', member)
  const device = importedDeviceId(format, source, member)
  const existing = await registry.device(device)
  if (existing && existing.ownerUserId !== member) throw new PulselineError('PL_FILE_DEVICE_NOT_OWN', file, device)
  if (!existing) {
    await registry.createDevice({ id: device, gymId: user.gymId, kind: 'watch', address: null, serial: source.serial, ownerUserId: member, pool: false })
    await registry.audit('import', 'device.import', device)
  }
  return { device, createdDevice: !existing, tags: seriesTags(device, user.gymId, member, format) }
}

/** Line protocol for imported samples, written to InfluxDB in batches as it fills. */
export class ImportWriter {
  private body = ''
  private lines = 0
  points = 0

  constructor(
    private readonly influx: LineWriter,
    private readonly tags: SeriesTags,
  ) {}

  add(sample: Sample): void {
    this.body += sampleToLines(sample, this.tags)
    this.lines++
    this.points++
  }

  /** Writes what has gathered once it fills a batch, or whatever there is with `all`. */
  async flush(all = false): Promise<void> {
    if (this.lines === 0 || (!all && this.lines < LINES_PER_WRITE)) return
    const body = this.body
    this.body = ''
    this.lines = 0
    await this.influx.write(body)
  }
}

export interface StoredImport {
  device: string
  points: number
  createdDevice: boolean
}

export async function storeImport(plan: ImportPlan, member: string, registry: Registry, influx: LineWriter): Promise<StoredImport> {
  if (plan.accepted.length === 0) throw new PulselineError('PL_FILE_EMPTY', plan.file, plan.tally.describeRefused())
  const target = await importTarget(registry, member, plan.file, plan.decoded.format, plan.decoded.device)
  const writer = new ImportWriter(influx, target.tags)
  for (const sample of plan.accepted) {
    writer.add(sample)
    await writer.flush()
  }
  await writer.flush(true)
  await announceImport(registry, member, plan.tally.span, `${plan.decoded.format} ${writer.points}`)
  return { device: target.device, points: writer.points, createdDevice: target.createdDevice }
}

/** Audits an import and puts its span on the change feed, where analytics picks it up to summarise it. */
export async function announceImport(registry: Registry, member: string, span: { fromMs: number; toMs: number } | undefined, what: string): Promise<void> {
  await registry.audit('import', `samples.import ${what}`, member)
  if (span) await registry.recordImport({ member, ...span })
}
