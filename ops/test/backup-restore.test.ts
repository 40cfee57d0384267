/**
 * Backup and restore on real parts: a gym streams through ingest's broker into a real influxd; an encrypted
 * backup is taken while devices keep streaming and InfluxDB is cut off (so acknowledged samples sit in
 * ingest's log); then everything is wiped, a new empty influxd started, the backup restored, and compared
 * with what the installation held: point counts per series and field, every registry row, logins, dead
 * letters, and every sample a device had an acknowledgement for before the backup began. Then copies of
 * the backup are tampered with, truncated or opened with the wrong key: each is refused with the file and
 * the reason, and restores nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { cp, mkdtemp, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { InfluxClient, rowsOf, startLocalInflux, type LocalInflux } from '@pulseline/influx'
import { resolveIngestOptions, startIngest, type DeadLetter, type IngestService } from '@pulseline/ingest'
import { planGym, runGym } from '@pulseline/firmware-sim'
import { SqliteRegistry } from '@pulseline/registry'
import { deviceSamplesTopic } from '@pulseline/protocol'
import { backup, backupKey, restore, resolveInstallation, type InstallationOptions, type Manifest } from '../src/index.js'
import { seedDemoRegistry, type DemoSeed } from '../../scripts/demo/seed.js'
import { pausableProxy, type PausableProxy } from '../../test/setup/pausable-proxy.js'

const GYM = 'backup-gym'
const run = promisify(execFile)


/** `measurement|tags|field` → points, for every series with points before `beforeMs`. */
async function pointCounts(influx: InfluxClient, beforeMs: number): Promise<Map<string, number>> {
  const results = await influx.query(`SELECT count(*) FROM /.*/ WHERE time < ${beforeMs}ms GROUP BY *`)
  const counts = new Map<string, number>()
  for (const s of results[0]?.series ?? []) {
    const tags = Object.entries(s.tags ?? {}).filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).sort().join(',')
    s.columns.forEach((column, i) => {
      const n = s.values[0]![i]
      if (column !== 'time' && typeof n === 'number' && n > 0) counts.set(`${s.name}|${tags}|${column}`, n)
    })
  }
  return counts
}

/** Every row of every registry table, in rowid order. */
function registryRows(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true })
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]))
  } finally {
    db.close()
  }
}

async function letters(ingest: IngestService): Promise<DeadLetter[]> {
  const out: DeadLetter[] = []
  for await (const l of ingest.deadLetters.letters()) out.push(l)
  return out
}

function installationIn(dir: string, influx: LocalInflux, database: string): InstallationOptions {
  return resolveInstallation({
    registry: { path: join(dir, 'registry.sqlite') },
    identities: { file: join(dir, 'services.json') },
    log: { dir: join(dir, 'ingest', 'log') },
    deadLetters: { dir: join(dir, 'ingest', 'dead-letters') },
    influx: { url: influx.url, rpc: influx.rpc, database },
  })
}

function startIngestOn(installation: InstallationOptions, influxUrl: string): Promise<IngestService> {
  return startIngest(
    resolveIngestOptions({
      mqtt: { port: 0, wsPort: 0, connectsPerSecondPerAddress: 1000 },
      http: { port: 0, metricsToInfluxMs: 0 },
      log: { dir: installation.log.dir },
      deadLetters: { dir: installation.deadLetters.dir },
      influx: { url: influxUrl, database: installation.influx.database },
      identities: { file: installation.identities.file, registry: installation.registry.path },
      writer: { backoffInitialMs: 20, backoffMaxMs: 200 },
    }),
    { logger: pino({ level: 'silent' }) },
  )
}

async function connects(port: number, username: string, password: string, clientId: string): Promise<boolean> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { username, password, clientId, reconnectPeriod: 0, connectTimeout: 5000 })
  try {
    return await new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(true))
      client.once('error', () => resolve(false))
      client.once('close', () => resolve(false))
    })
  } finally {
    client.end(true)
  }
}

describe('backup and restore', () => {
  const key = backupKey(randomBytes(32))
  let root = ''
  let live = ''
  let influxA: LocalInflux
  let influxB: LocalInflux | undefined
  let proxy: PausableProxy
  let ingest: IngestService | undefined
  let seed: DemoSeed
  let installation: InstallationOptions
  let backupDir = ''
  let manifest: Manifest
  const phaseBStartMs = Date.now() - 10 * 60_000
  let before: { counts: Map<string, number>; rows: Record<string, unknown[]>; letters: DeadLetter[]; streamed: Map<string, Set<number>> }
  /** hr sample times per device: acknowledged before the backup began, and acknowledged at all. */
  const ackedBeforeBackup = new Map<string, Set<number>>()
  let cliBackup: { stdout: string }
  const acked = new Map<string, Set<number>>()

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pl-backup-'))
    live = join(root, 'installation')
    influxA = await startLocalInflux({ dir: join(root, 'influx-a') })
    proxy = await pausableProxy(influxA.url)
    installation = installationIn(live, influxA, 'pulseline')
    const classStartMs = phaseBStartMs - 30 * 60_000
    const plan = planGym({ seed: 11, gym: GYM, members: 3, machines: 1, startMs: classStartMs, classStartMs })
    seed = await seedDemoRegistry(installation.registry.path, plan, 'gw-1', classStartMs, join(live, 'device-secrets.json'), installation.identities.file)
    ingest = await startIngestOn(installation, proxy.url)
    const url = `mqtt://127.0.0.1:${ingest.mqttPort}`

    // A class 40 to 10 minutes ago, written to InfluxDB; and a malformed payload, dead-lettered.
    await runGym({ url, plan, secrets: seed.secrets, startMs: classStartMs, durationMs: 30 * 60_000, speedup: 400, samplesPerMessage: 20, maxInflight: 32, tickMs: 20 })
    const device = plan.devices[0]!
    const bad = mqtt.connect(url, { username: device.id, password: seed.secrets.get(device.id)!, clientId: device.id, reconnectPeriod: 0 })
    await new Promise((resolve) => bad.once('connect', resolve))
    await bad.publishAsync(deviceSamplesTopic(GYM, device.id), '{"v":1,"samples":[{"kind":"hr","t":1,"bpm":900}]}', { qos: 1 })
    await bad.publishAsync(deviceSamplesTopic(GYM, device.id), 'not json', { qos: 1 })
    await bad.endAsync()
    await vi.waitFor(() => expect(ingest!.log.backlogBytes === 0, 'the class to reach InfluxDB').toBe(true), { timeout: 20_000, interval: 50 })

    // Devices keep streaming the last 10 minutes while InfluxDB is unreachable; the backup runs meanwhile.
    proxy.pause()
    const stop = new AbortController()
    let backupStarted = Infinity
    const stream = runGym({
      url, plan, secrets: seed.secrets, startMs: phaseBStartMs, durationMs: 10 * 60_000, speedup: 60, samplesPerMessage: 5, maxInflight: 8, tickMs: 20, signal: stop.signal,
      onAck: (d, samples) => {
        for (const s of samples) {
          if (s.kind !== 'hr') continue
          const set = acked.get(d.id) ?? new Set()
          set.add(s.t)
          acked.set(d.id, set)
          if (Date.now() < backupStarted) {
            const early = ackedBeforeBackup.get(d.id) ?? new Set()
            early.add(s.t)
            ackedBeforeBackup.set(d.id, early)
          }
        }
      },
    })
    await new Promise((r) => setTimeout(r, 2000))
    const rowsAtBackup = registryRows(installation.registry.path)
    backupStarted = Date.now()
    ;({ dir: backupDir, manifest } = await backup({ installation, out: join(root, 'backups'), key }))
    // The command line too, unencrypted, into another folder, while the devices still stream.
    cliBackup = await run(process.execPath, ['--import', 'tsx', 'ops/src/cli/backup.ts', '--out', join(root, 'cli-backups'), '--keep', '1'], { env: { ...process.env, ...installationEnv(installation) } })
    await new Promise((r) => setTimeout(r, 1000))
    stop.abort()
    await stream.catch(() => undefined)
    proxy.resume()
    await vi.waitFor(() => expect(ingest!.log.backlogBytes === 0, 'the log to drain').toBe(true), { timeout: 30_000, interval: 50 })
    const source = new InfluxClient({ url: influxA.url, database: 'pulseline' })
    before = { counts: await pointCounts(source, phaseBStartMs), rows: rowsAtBackup, letters: await letters(ingest), streamed: await hrTimes(source, [...acked.keys()], phaseBStartMs) }
    await source.close()
    expect(registryRows(installation.registry.path)).toEqual(rowsAtBackup)

    // Everything goes: the services, InfluxDB and its files, every file of the installation.
    await ingest.close()
    ingest = undefined
    await proxy.close()
    await influxA.stop()
    await rm(live, { recursive: true, force: true })
    await rm(join(root, 'influx-a'), { recursive: true, force: true })
    influxB = await startLocalInflux({ dir: join(root, 'influx-b') })
    installation = installationIn(live, influxB, 'pulseline')
  }, 120_000)

  afterAll(async () => {
    await ingest?.close()
    await influxB?.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('describes what it holds: encrypted, every part, the log part holding what InfluxDB did not have', async () => {
    expect(manifest.encryption).toEqual({ algorithm: 'aes-256-gcm-stream', chunkBytes: 1024 * 1024, keyId: key.id })
    expect(manifest.parts.map((p) => p.name)).toEqual(['registry', 'identities', 'ingest-log', 'influx', 'dead-letters'])
    const log = manifest.parts.find((p) => p.name === 'ingest-log')!
    const earlyHr = [...ackedBeforeBackup.values()].reduce((n, s) => n + s.size, 0)
    expect(earlyHr).toBeGreaterThan(0)
    expect(log.counts.lines).toBeGreaterThanOrEqual(earlyHr)
    expect(manifest.parts.find((p) => p.name === 'dead-letters')!.counts.letters).toBe(before.letters.length)
    // Nothing in the backup folder is readable without the key: no file holds a device id in clear.
    const registryFile = await readFile(join(backupDir, 'registry', 'registry.sqlite'))
    expect(registryFile.includes(Buffer.from(GYM))).toBe(false)
    expect(registryFile.includes(Buffer.from('SQLite format'))).toBe(false)
  })

  it('restores into an empty installation exactly what was there', async () => {
    const result = await restore({ dir: backupDir, installation, key })
    expect(result.deadLetters).toBe(before.letters.length)
    const restored = new InfluxClient({ url: influxB!.url, database: 'pulseline' })
    try {
      // The class before the cut-off: every series and field, point for point.
      const counts = await pointCounts(restored, phaseBStartMs)
      expect(before.counts.size).toBeGreaterThan(10)
      expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(before.counts))
      // The streaming part: every hr sample acknowledged before the backup began, and nothing the installation
      // never stored (a sample can be stored and its PUBACK lost when the devices stop).
      const streamed = await hrTimes(restored, [...acked.keys()], phaseBStartMs)
      for (const [device, got] of streamed) {
        for (const t of ackedBeforeBackup.get(device) ?? []) expect(got.has(t), `${device} ${t}`).toBe(true)
        for (const t of got) expect(before.streamed.get(device)!.has(t), `${device} ${t} was never stored`).toBe(true)
      }
    } finally {
      await restored.close()
    }
    expect(registryRows(installation.registry.path)).toEqual(before.rows)
  })

  it('restores working logins and the dead letters', async () => {
    ingest = await startIngestOn(installation, influxB!.url)
    expect(await letters(ingest)).toEqual(before.letters)
    const [device, secret] = [...seed.secrets][0]!
    expect(await connects(ingest.mqttPort, device, secret, device)).toBe(true)
    expect(await connects(ingest.mqttPort, device, `${secret}x`, device)).toBe(false)
    expect(await connects(ingest.mqttPort, 'analytics', seed.services.get('analytics')!, 'analytics@restored')).toBe(true)
    const registry = SqliteRegistry.open(installation.registry.path)
    try {
      const coach = seed.logins.find((l) => l.role === 'coach')!
      expect((await registry.verifyLogin(coach.login, coach.password))?.id).toBe('coach-1')
      expect(await registry.verifyLogin(coach.login, `${coach.password}x`)).toBeUndefined()
    } finally {
      await registry.close()
    }
  })

  describe('a damaged backup is refused, and restores nothing', () => {
    const cases: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
      ['a flipped byte in an InfluxDB shard', async (dir) => flipByte(join(dir, manifest.parts.find((p) => p.name === 'influx')!.files.find((f) => f.path.endsWith('.tar.gz'))!.path)), /PL_BACKUP_PART.*influx\/.*SHA-256/],
      ['a truncated log part', async (dir) => truncate(join(dir, 'ingest-log/unshipped.lp'), (await stat(join(dir, 'ingest-log/unshipped.lp'))).size - 7), /PL_BACKUP_PART.*ingest-log\/unshipped\.lp.*truncated/],
      ['a missing dead-letter file', (dir) => unlink(join(dir, 'dead-letters/letters.ndjson')), /PL_BACKUP_PART.*dead-letters\/letters\.ndjson.*missing/],
      ['an edited manifest', (dir) => editManifest(dir, (m) => (m.consistentAt = new Date(0).toISOString())), /PL_BACKUP_MANIFEST.*manifest\.sig does not match/],
      ['a file replaced along with its checksum', async (dir) => {
        await writeFile(join(dir, 'registry/registry.sqlite'), 'SQLite format 3\0')
        const { sha256, bytes } = await (await import('../src/manifest.js')).sha256File(join(dir, 'registry/registry.sqlite'))
        await editManifest(dir, (m) => Object.assign(m.parts[0]!.files[0]!, { sha256, bytes }))
      }, /PL_BACKUP_MANIFEST.*manifest\.sig/],
      ['a path out of the backup', (dir) => editManifest(dir, (m) => (m.parts[0]!.files[0]!.path = 'registry/../../../etc/passwd')), /PL_BACKUP_MANIFEST.*path/],
      ['a chunk cut from an encrypted file, sizes and checksums redone', async (dir) => {
        const { sealFile } = await import('../src/sealed-file.js')
        // A valid file, sealed under another key: the right size and a fresh checksum cannot hide it.
        const plain = join(dir, 'plain')
        await writeFile(plain, 'x')
        await rm(join(dir, 'identities/identities.json'))
        await sealFile(plain, join(dir, 'identities/identities.json'), 'identities/identities.json', backupKey(randomBytes(32)))
      }, /PL_BACKUP_PART.*identities\/identities\.json/],
    ]
    for (const [name, damage, expected] of cases) {
      it(name, async () => {
        const copy = await mkdtemp(join(root, 'damaged-'))
        await cp(backupDir, copy, { recursive: true })
        await damage(copy)
        const target = installationIn(await mkdtemp(join(root, 'target-')), influxB!, `other_${randomBytes(3).toString('hex')}`)
        const error = await restore({ dir: copy, installation: target, key }).then(() => undefined, (err: Error & { code: string }) => err)
        expect(error, 'restore must refuse').toBeDefined()
        expect(`${error!.code} ${error!.message}`).toMatch(expected)
        await expectNothingRestored(target)
      })
    }

    it('another key, and no key', async () => {
      const target = installationIn(await mkdtemp(join(root, 'target-')), influxB!, 'other_key')
      await expect(restore({ dir: backupDir, installation: target, key: backupKey(randomBytes(32)) })).rejects.toThrow(new RegExp(`encrypted with key ${key.id}, the key given is`))
      await expect(restore({ dir: backupDir, installation: target })).rejects.toThrow(/pass its key file/)
      await expectNothingRestored(target)
    })

    it('a target that is not empty', async () => {
      // The installation restored above: restoring over it is refused before anything is written.
      await expect(restore({ dir: backupDir, installation, key })).rejects.toThrow(/PL_RESTORE_NOT_EMPTY|restore needs an empty installation, but the registry/)
    })

    it('from the command line: a backup taken by `npm run backup` verifies with `npm run restore -- --verify`', async () => {
      const made = /^backup: (\S+) \(/m.exec(cliBackup.stdout)
      expect(made, cliBackup.stdout).not.toBeNull()
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'ops/src/cli/restore.ts', made![1]!, '--verify'], { env: { ...process.env, ...installationEnv(installation) } })
      expect(stdout).toMatch(/verified: 5 parts, every file intact; nothing changed/)
    })

    it('from the command line: exit status 2 and the file named', async () => {
      const copy = await mkdtemp(join(root, 'damaged-'))
      await cp(backupDir, copy, { recursive: true })
      await truncate(join(copy, 'registry/registry.sqlite'), 100)
      const keyFile = join(root, 'cli.key')
      await writeFile(keyFile, '')
      const target = installationIn(await mkdtemp(join(root, 'target-')), influxB!, 'other_cli')
      const env = { ...process.env, PULSELINE_BACKUP_REGISTRY_PATH: target.registry.path, PULSELINE_BACKUP_INFLUX_URL: target.influx.url }
      const error = await run(process.execPath, ['--import', 'tsx', 'ops/src/cli/restore.ts', copy, '--key', keyFile], { env }).then(() => undefined, (e: { code: number; stderr: string }) => e)
      expect(error?.code).toBe(2)
      expect(error?.stderr).toMatch(/PL_BACKUP_KEY/)
    })
  })

  async function expectNothingRestored(target: InstallationOptions): Promise<void> {
    await expect(stat(target.registry.path)).rejects.toThrow()
    await expect(stat(target.identities.file)).rejects.toThrow()
    await expect(stat(target.deadLetters.dir)).rejects.toThrow()
    const check = new InfluxClient({ url: influxB!.url, database: target.influx.database })
    try {
      expect(rowsOf(await check.query('SHOW DATABASES')).map((r) => r.name)).not.toContain(target.influx.database)
    } finally {
      await check.close()
    }
  }
})

function installationEnv(installation: InstallationOptions): Record<string, string> {
  return {
    PULSELINE_BACKUP_REGISTRY_PATH: installation.registry.path,
    PULSELINE_BACKUP_IDENTITIES_FILE: installation.identities.file,
    PULSELINE_BACKUP_LOG_DIR: installation.log.dir,
    PULSELINE_BACKUP_DEAD_LETTERS_DIR: installation.deadLetters.dir,
    PULSELINE_BACKUP_INFLUX_URL: installation.influx.url,
    PULSELINE_BACKUP_INFLUX_RPC: installation.influx.rpc,
    PULSELINE_BACKUP_INFLUX_DATABASE: installation.influx.database,
  }
}

async function hrTimes(influx: InfluxClient, devices: string[], fromMs: number): Promise<Map<string, Set<number>>> {
  const out = new Map<string, Set<number>>()
  for (const device of devices) {
    const rows = rowsOf(await influx.query(`SELECT bpm FROM hr WHERE device = $device AND time >= ${fromMs}ms`, { device }))
    out.set(device, new Set(rows.map((r) => Number(r.time))))
  }
  return out
}

async function flipByte(path: string): Promise<void> {
  const bytes = await readFile(path)
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01
  await writeFile(path, bytes)
}

async function editManifest(dir: string, edit: (m: Manifest) => void): Promise<void> {
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest
  edit(m)
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m, null, 2) + '\n')
}
