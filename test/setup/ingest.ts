/**
 * Helpers to run a real ingest (in-process or as a child process) on free ports and temporary
 * directories, with an identities file for a set of devices.
 */
import type { ChildProcess } from 'node:child_process'
import { forkReady } from './child.js'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { hashSecret, resolveIngestOptions, startIngest, type IdentityFile, type IngestOptions, type IngestService } from '@pulseline/ingest'

export interface TestDevice {
  id: string
  gym: string
  kind: string
  secret: string
}

/** Low scrypt cost keeps fifty logins fast in tests; production hashes use N = 2^14. */
const TEST_COST = { N: 1024, r: 8, p: 1 }

export async function writeIdentities(
  path: string,
  devices: TestDevice[],
  services: Array<{ id: string; secret: string; subscribe: string[]; publish: string[] }> = [],
  gateways: Array<{ id: string; gym: string; secret: string }> = [],
): Promise<IdentityFile> {
  const file: IdentityFile = {
    devices: await Promise.all(devices.map(async (d) => ({ id: d.id, gym: d.gym, kind: d.kind, secretHash: await hashSecret(d.secret, TEST_COST) }))),
    gateways: await Promise.all(gateways.map(async (g) => ({ id: g.id, gym: g.gym, secretHash: await hashSecret(g.secret, TEST_COST) }))),
    services: await Promise.all(services.map(async (s) => ({ id: s.id, secretHash: await hashSecret(s.secret, TEST_COST), subscribe: s.subscribe, publish: s.publish }))),
  }
  await writeFile(path, JSON.stringify(file, null, 2))
  return file
}

export { hashSecret, TEST_COST }

export async function ingestOptions(influxUrl: string, database: string, over: Record<string, unknown> = {}): Promise<IngestOptions> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-ingest-'))
  return resolveIngestOptions({
    // Tests connect dozens of devices at once from 127.0.0.1; the per-address limit has tests of its own.
    mqtt: { port: 0, wsPort: 0, connectsPerSecondPerAddress: 1000 },
    http: { port: 0 },
    log: { dir: join(dir, 'log') },
    deadLetters: { dir: join(dir, 'dead') },
    influx: { url: influxUrl, database },
    identities: { file: join(dir, 'identities.json') },
    writer: { backoffInitialMs: 20, backoffMaxMs: 500 },
    ...over,
  })
}

export async function startTestIngest(options: IngestOptions): Promise<IngestService> {
  return startIngest(options, { logger: pino({ level: 'silent' }) })
}

/** ingest as a child process (so a test can SIGKILL it), on the ports and directories of `options`. */
export async function spawnIngest(options: IngestOptions, configPath: string): Promise<ChildProcess> {
  await writeFile(configPath, JSON.stringify(options))
  return forkReady(fileURLToPath(new URL('../../ingest/src/main.ts', import.meta.url)), ['--config', configPath], { LOG_LEVEL: 'warn' })
}

export { stopChild } from './child.js'
