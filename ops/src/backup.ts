/**
 * Takes a consistent online backup of an installation into `<out>/pulseline-<UTC time>/`. Order matters:
 * registry and identities first; then ingest's unshipped log, which fixes `consistentAt`; then InfluxDB;
 * then the dead letters. Every sample acknowledged before `consistentAt` is either in the log part or was
 * already in InfluxDB when its snapshot began. Parts are staged in a private temporary folder, encrypted
 * (or copied) into `<id>.partial`, and the folder is renamed into place only once the manifest is written,
 * so a half-finished backup never looks like a finished one.
 */
import { chmod, copyFile, mkdir, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { PulselineError } from '@pulseline/protocol'
import { FORMAT, sha256File, signManifest, type FileEntry, type Manifest, type Part, type PartName } from './manifest.js'
import { sealFile, CHUNK_BYTES } from './sealed-file.js'
import type { BackupKey } from './key.js'
import type { InstallationOptions } from './options.js'
import { iso, pathExists, type TakenPart } from './parts/part.js'
import { takeRegistry } from './parts/registry.js'
import { takeIdentities } from './parts/identities.js'
import { takeIngestLog } from './parts/ingest-log.js'
import { influxdBinary, influxdVersion, takeInflux } from './parts/influx.js'
import { takeDeadLetters } from './parts/dead-letters.js'

export interface BackupRequest {
  installation: InstallationOptions
  /** The folder that holds backups; this one goes in a new sub-folder. */
  out: string
  /** Encrypts every file; the manifest is signed with a key derived from it. */
  key?: BackupKey
  now?: () => number
}

export interface BackupResult {
  dir: string
  manifest: Manifest
}

const VERSION = (JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version

export async function backup(request: BackupRequest): Promise<BackupResult> {
  const { installation, key } = request
  const now = request.now ?? Date.now
  const startedMs = now()
  const id = await freeId(request.out, startedMs)
  const partial = join(request.out, `${id}.partial`)
  const staging = await mkdtemp(join(tmpdir(), 'pulseline-backup-'))
  await chmod(staging, 0o700)
  try {
    await mkdir(partial, { recursive: true, mode: 0o700 })
    for (const name of ['registry', 'identities', 'ingest-log', 'influx', 'dead-letters']) await mkdir(join(staging, name), { mode: 0o700 })
    const binary = influxdBinary(installation.influx.binary)
    const parts: Part[] = []
    const take = async <T extends TakenPart>(name: PartName, work: () => Promise<T>): Promise<T> => {
      let taken: T
      try {
        taken = await work()
      } catch (err) {
        if (err instanceof PulselineError) throw err
        throw new PulselineError('PL_BACKUP_FAILED', name, (err as Error).message)
      }
      const files: FileEntry[] = []
      for (const path of taken.files) files.push(await store(join(staging, path), join(partial, path), path, key))
      parts.push({ name, covers: taken.covers, files, counts: taken.counts })
      return taken
    }
    const registry = await take('registry', () => takeRegistry(installation.registry.path, staging))
    if (installation.identities.file && (await pathExists(installation.identities.file))) await take('identities', () => takeIdentities(installation.identities.file, staging))
    const consistentMs = now()
    await take('ingest-log', () => takeIngestLog(installation.log.dir, staging))
    await take('influx', () => takeInflux(binary, installation.influx.rpc, installation.influx.database, staging))
    await take('dead-letters', () => takeDeadLetters(installation.deadLetters.dir, staging))
    const manifest: Manifest = {
      format: FORMAT,
      id,
      startedAt: iso(startedMs),
      finishedAt: iso(now()),
      consistentAt: iso(consistentMs),
      database: installation.influx.database,
      versions: { pulseline: VERSION, node: process.version, sqlite: registry.sqlite, registrySchema: String(registry.schema), influxd: await influxdVersion(binary) },
      encryption: key ? { algorithm: 'aes-256-gcm-stream', chunkBytes: CHUNK_BYTES, keyId: key.id } : null,
      parts,
    }
    const bytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n')
    await writeDurably(join(partial, 'manifest.json'), bytes)
    if (key) await writeDurably(join(partial, 'manifest.sig'), Buffer.from(signManifest(bytes, key) + '\n'))
    const dir = join(request.out, id)
    await rename(partial, dir)
    return { dir, manifest }
  } catch (err) {
    await rm(partial, { recursive: true, force: true })
    throw err
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** Copies (or encrypts) one staged file into the backup and describes it as stored. */
async function store(source: string, target: string, path: string, key: BackupKey | undefined): Promise<FileEntry> {
  await mkdir(dirname(target), { recursive: true, mode: 0o700 })
  if (key) await sealFile(source, target, path, key)
  else await copyFile(source, target)
  await rm(source)
  return { path, ...(await sha256File(target)) }
}

async function writeDurably(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'wx', 0o600)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** `pulseline-YYYYMMDDTHHMMSSZ`, with `-2`, `-3`... when two backups start in the same second. */
async function freeId(out: string, ms: number): Promise<string> {
  const base = `pulseline-${new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`
    if (!(await pathExists(join(out, id))) && !(await pathExists(join(out, `${id}.partial`)))) return id
  }
}
