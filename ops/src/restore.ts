/**
 * Restores a backup into an empty installation. It checks everything before it changes anything: the
 * manifest (schema, format, signature and key when encrypted), then every file (regular file, size,
 * SHA-256, and for an encrypted backup every chunk's authentication, by decrypting into a private staging
 * folder), then that the target is empty. Only then does it write: InfluxDB first (the part most likely to
 * fail, from outside), then the log part's lines into InfluxDB, then registry, identities and dead letters.
 */
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { PulselineError } from '@pulseline/protocol'
import { InfluxClient, rowsOf } from '@pulseline/influx'
import { parseManifest, sha256File, verifyManifestSignature, type Manifest, type Part, type PartName } from './manifest.js'
import { openSealedFile } from './sealed-file.js'
import type { BackupKey } from './key.js'
import type { InstallationOptions } from './options.js'
import { pathExists, placeFile } from './parts/part.js'
import { restoreIngestLog } from './parts/ingest-log.js'
import { influxdBinary, restoreInflux, waitForRestoredShards } from './parts/influx.js'
import { restoreDeadLetters } from './parts/dead-letters.js'
import { migrations } from '@pulseline/registry'

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024
const REQUIRED: PartName[] = ['registry', 'influx']

export interface RestoreRequest {
  dir: string
  installation: InstallationOptions
  key?: BackupKey
  /** Only check the backup (manifest, files, decryption); change nothing. */
  verifyOnly?: boolean
  /** Size limit of the restored dead-letter store (bytes). */
  deadLetterMaxBytes?: number
}

export interface RestoreResult {
  manifest: Manifest
  /** Lines of the log part written to InfluxDB; letters put back. */
  logLines: number
  deadLetters: number
}

export async function restore(request: RestoreRequest): Promise<RestoreResult> {
  const manifest = await readVerifiedManifest(request.dir, request.key)
  const staging = await mkdtemp(join(tmpdir(), 'pulseline-restore-'))
  await chmod(staging, 0o700)
  try {
    for (const part of manifest.parts) for (const file of part.files) await verifyFile(request.dir, staging, file.path, file.bytes, file.sha256, manifest.encryption ? request.key : undefined)
    if (request.verifyOnly) return { manifest, logLines: 0, deadLetters: 0 }
    const { installation } = request
    const influx = new InfluxClient({ url: installation.influx.url, database: installation.influx.database, username: installation.influx.username, password: installation.influx.password })
    try {
      await assertEmpty(installation, influx)
      const part = (name: PartName): Part | undefined => manifest.parts.find((p) => p.name === name)
      const staged = (name: PartName) => join(staging, part(name)!.files[0]!.path)
      await restoreInflux(influxdBinary(installation.influx.binary), installation.influx.rpc, manifest.database, installation.influx.database, join(staging, 'influx'))
      await waitForRestoredShards(influx)
      const logLines = part('ingest-log') ? await restoreIngestLog(staged('ingest-log'), influx) : 0
      await mkdir(dirname(installation.registry.path), { recursive: true })
      await placeFile(staged('registry'), installation.registry.path)
      if (part('identities') && installation.identities.file) {
        await mkdir(dirname(installation.identities.file), { recursive: true })
        await placeFile(staged('identities'), installation.identities.file)
      }
      const deadLetters = part('dead-letters') ? await restoreDeadLetters(staged('dead-letters'), installation.deadLetters.dir, request.deadLetterMaxBytes ?? 256 * 1024 * 1024) : 0
      return { manifest, logLines, deadLetters }
    } finally {
      await influx.close()
    }
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** The manifest, parsed, validated, and for an encrypted backup checked against the key and its signature. */
export async function readVerifiedManifest(dir: string, key: BackupKey | undefined): Promise<Manifest> {
  const path = join(dir, 'manifest.json')
  const info = await lstat(path).catch(() => undefined)
  if (!info?.isFile()) throw new PulselineError('PL_BACKUP_MANIFEST', `${path} is missing (an unfinished backup has none)`)
  if (info.size > MAX_MANIFEST_BYTES) throw new PulselineError('PL_BACKUP_MANIFEST', `${info.size} bytes is larger than a manifest can be`)
  const bytes = await readFile(path)
  const manifest = parseManifest(bytes)
  if (manifest.encryption) {
    if (!key) throw new PulselineError('PL_BACKUP_KEY', `the backup is encrypted with key ${manifest.encryption.keyId}: pass its key file (--key)`)
    if (key.id !== manifest.encryption.keyId) throw new PulselineError('PL_BACKUP_KEY', `the backup is encrypted with key ${manifest.encryption.keyId}, the key given is ${key.id}`)
    const signature = await readFile(join(dir, 'manifest.sig'), 'utf8').catch(() => '')
    if (!signature) throw new PulselineError('PL_BACKUP_MANIFEST', 'manifest.sig is missing')
    if (!verifyManifestSignature(bytes, signature, key)) throw new PulselineError('PL_BACKUP_MANIFEST', 'manifest.sig does not match the manifest (altered since the backup)')
  }
  // A key given means "this backup is mine and encrypted": an unencrypted one could be anybody's.
  if (!manifest.encryption && key) throw new PulselineError('PL_BACKUP_KEY', 'a key was given but the backup is not encrypted')
  for (const name of REQUIRED) if (!manifest.parts.some((p) => p.name === name)) throw new PulselineError('PL_BACKUP_MANIFEST', `part ${name} is missing`)
  const schema = Number(manifest.versions.registrySchema ?? 0)
  const known = Math.max(...migrations().map((m) => m.version))
  if (schema > known) throw new PulselineError('PL_BACKUP_MANIFEST', `the registry has schema ${schema}, newer than this Pulseline knows (${known}): restore with a newer version`)
  return manifest
}

/** Checks one stored file and stages its plain bytes (decrypted, or copied) for the restore. */
async function verifyFile(dir: string, staging: string, path: string, bytes: number, sha256: string, key: BackupKey | undefined): Promise<void> {
  const source = join(dir, path)
  const info = await lstat(source).catch(() => undefined)
  if (!info) throw new PulselineError('PL_BACKUP_PART', path, 'missing')
  if (!info.isFile()) throw new PulselineError('PL_BACKUP_PART', path, 'not a regular file')
  if (info.size !== bytes) throw new PulselineError('PL_BACKUP_PART', path, `${info.size} bytes where the manifest says ${bytes} (truncated or altered)`)
  const actual = await sha256File(source)
  if (actual.sha256 !== sha256) throw new PulselineError('PL_BACKUP_PART', path, 'SHA-256 does not match the manifest (altered)')
  const target = join(staging, path)
  await mkdir(dirname(target), { recursive: true, mode: 0o700 })
  if (key) await openSealedFile(source, target, path, key)
  else await copyFile(source, target)
}

/** Refuses a target that holds anything a restore would write over. */
async function assertEmpty(installation: InstallationOptions, influx: InfluxClient): Promise<void> {
  const refuse = (what: string) => new PulselineError('PL_RESTORE_NOT_EMPTY', what)
  if (await pathExists(installation.registry.path)) throw refuse(`the registry ${installation.registry.path} exists`)
  if (installation.identities.file && (await pathExists(installation.identities.file))) throw refuse(`the identities file ${installation.identities.file} exists`)
  for (const [what, dir] of [['the log', installation.log.dir], ['the dead-letter store', installation.deadLetters.dir]] as const) {
    const names = await readdir(dir).catch(() => [] as string[])
    if (names.some((n) => n.endsWith('.seg'))) throw refuse(`${what} ${dir} has segments`)
  }
  const databases = rowsOf(await influx.query('SHOW DATABASES')).map((r) => r.name)
  if (databases.includes(installation.influx.database)) throw refuse(`InfluxDB already has the database ${installation.influx.database}`)
}
