/**
 * A backup's manifest: what each part holds, the time it covers, every file with its size and SHA-256 (of
 * the bytes as stored, so they are checked before anything is decrypted), and the versions that wrote it.
 * An encrypted backup also has `manifest.sig`, an HMAC-SHA256 of the manifest's exact bytes under a key
 * derived from the backup key: without the key, nobody can alter the manifest and its checksums together.
 * A restore treats the manifest as hostile input: it is validated against this schema, and file paths are
 * plain names inside their part's folder, never `..` or absolute.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { PulselineError } from '@pulseline/protocol'
import type { BackupKey } from './key.js'

export const FORMAT = 'pulseline-backup/1'
export const PART_NAMES = ['registry', 'identities', 'ingest-log', 'influx', 'dead-letters'] as const
export type PartName = (typeof PART_NAMES)[number]
/** A file of a part: `<part>/<name>`, the name of letters, digits, dot, dash and underscore, not starting with a dot. */
export const FILE_PATH = new RegExp(`^(${PART_NAMES.join('|')})/[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$`)

const Iso = Type.String({ maxLength: 40, pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$' })
const Count = Type.Integer({ minimum: 0 })

export const FileEntrySchema = Type.Object(
  {
    path: Type.String({ pattern: FILE_PATH.source }),
    bytes: Count,
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
)

export const PartSchema = Type.Object(
  {
    name: Type.Union(PART_NAMES.map((n) => Type.Literal(n))),
    /** The span of data the part holds: `from` is the oldest record's time where the part knows it. */
    covers: Type.Object({ from: Type.Optional(Iso), until: Iso }, { additionalProperties: false }),
    files: Type.Array(FileEntrySchema, { maxItems: 100_000 }),
    /** Counts to compare after a restore: rows per table, records, letters. */
    counts: Type.Record(Type.String({ pattern: '^[a-z_]{1,64}$' }), Count),
  },
  { additionalProperties: false },
)

export const ManifestSchema = Type.Object(
  {
    format: Type.Literal(FORMAT),
    id: Type.String({ pattern: '^pulseline-\\d{8}T\\d{6}Z(-\\d+)?$' }),
    startedAt: Iso,
    finishedAt: Iso,
    /** Every sample acknowledged before this instant is in the backup (the log part starts there). */
    consistentAt: Iso,
    database: Type.String({ maxLength: 200 }),
    versions: Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 200 })),
    encryption: Type.Union([
      Type.Null(),
      Type.Object({ algorithm: Type.Literal('aes-256-gcm-stream'), chunkBytes: Count, keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }) }, { additionalProperties: false }),
    ]),
    parts: Type.Array(PartSchema, { maxItems: PART_NAMES.length }),
  },
  { additionalProperties: false },
)

export type Manifest = Static<typeof ManifestSchema>
export type Part = Static<typeof PartSchema>
export type FileEntry = Static<typeof FileEntrySchema>

const check = TypeCompiler.Compile(ManifestSchema)

/** Parses and validates manifest bytes; throws PL_BACKUP_MANIFEST with the first fault. */
export function parseManifest(bytes: Buffer): Manifest {
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch (err) {
    throw new PulselineError('PL_BACKUP_MANIFEST', `not JSON (${(err as Error).message})`)
  }
  if (typeof value === 'object' && value !== null && 'format' in value && value.format !== FORMAT) {
    throw new PulselineError('PL_BACKUP_MANIFEST', `format ${JSON.stringify(value.format)} is not ${FORMAT}`)
  }
  if (!check.Check(value)) {
    const first = check.Errors(value).First()!
    throw new PulselineError('PL_BACKUP_MANIFEST', `${first.path || '/'}: ${first.message}`)
  }
  const seen = new Set<string>()
  for (const part of value.parts) {
    if (seen.has(part.name)) throw new PulselineError('PL_BACKUP_MANIFEST', `part ${part.name} is listed twice`)
    seen.add(part.name)
    for (const f of part.files) {
      if (!f.path.startsWith(`${part.name}/`)) throw new PulselineError('PL_BACKUP_MANIFEST', `${f.path} is not in the folder of part ${part.name}`)
      if (seen.has(f.path)) throw new PulselineError('PL_BACKUP_MANIFEST', `${f.path} is listed twice`)
      seen.add(f.path)
    }
  }
  return value
}

export function signManifest(bytes: Buffer, key: BackupKey): string {
  return createHmac('sha256', key.derive('manifest')).update(bytes).digest('hex')
}

export function verifyManifestSignature(bytes: Buffer, signature: string, key: BackupKey): boolean {
  const expected = Buffer.from(signManifest(bytes, key), 'hex')
  const given = Buffer.from(signature.trim(), 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    bytes += chunk.length
  }
  return { sha256: hash.digest('hex'), bytes }
}
