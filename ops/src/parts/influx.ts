/**
 * The InfluxDB part: InfluxDB's own portable backup (`influxd backup -portable`), taken online over its RPC
 * service, and `influxd restore -portable` into a server that does not have the database yet. Each shard is
 * snapshotted with its cache flushed, so points InfluxDB acknowledged before the snapshot are in it.
 */
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PulselineError } from '@pulseline/protocol'
import { findInfluxd, type InfluxClient } from '@pulseline/influx'
import { setTimeout as sleep } from 'node:timers/promises'
import { iso, type TakenPart } from './part.js'

const run = promisify(execFile)

export function influxdBinary(configured: string): string {
  const binary = configured || findInfluxd()
  if (!binary) throw new PulselineError('PL_BACKUP_FAILED', 'influx', 'influxd is not installed (Debian: apt-get install influxdb), or set influx.binary')
  return binary
}

export async function influxdVersion(binary: string): Promise<string> {
  const { stdout } = await run(binary, ['version'])
  return stdout.trim()
}

export async function takeInflux(binary: string, rpc: string, database: string, staging: string): Promise<TakenPart> {
  const dir = join(staging, 'influx')
  try {
    await run(binary, ['backup', '-portable', '-db', database, '-host', rpc, dir], { maxBuffer: 16 * 1024 * 1024 })
  } catch (err) {
    throw new PulselineError('PL_BACKUP_FAILED', 'influx', lastLine(err))
  }
  const files = (await readdir(dir)).sort().map((name) => `influx/${name}`)
  if (!files.some((f) => f.endsWith('.manifest'))) throw new PulselineError('PL_BACKUP_FAILED', 'influx', `influxd backup wrote no manifest (is database ${database} there?)`)
  return { files, covers: { until: iso(Date.now()) }, counts: { shard_files: files.filter((f) => f.endsWith('.tar.gz')).length } }
}

export async function restoreInflux(binary: string, rpc: string, fromDatabase: string, toDatabase: string, dir: string): Promise<void> {
  const args = ['restore', '-portable', '-host', rpc, '-db', fromDatabase, ...(toDatabase !== fromDatabase ? ['-newdb', toDatabase] : []), dir]
  try {
    await run(binary, args, { maxBuffer: 16 * 1024 * 1024 })
  } catch (err) {
    throw new PulselineError('PL_BACKUP_FAILED', 'influx restore', lastLine(err))
  }
}

/**
 * Waits until every restored shard answers. `influxd restore` returns while InfluxDB still reopens the shards
 * it imported, and until then a query or write on them fails with "engine is closed" (seen with two million
 * points). A `LIMIT 1` query over every measurement touches every shard.
 */
export async function waitForRestoredShards(influx: InfluxClient, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const error = await influx.query('SELECT * FROM /.*/ LIMIT 1').then(
      (results) => results.find((r) => r.error)?.error,
      (err: Error) => err.message,
    )
    if (!error) return
    if (Date.now() > deadline) throw new PulselineError('PL_BACKUP_FAILED', 'influx restore', `the restored shards did not open within ${timeoutMs} ms: ${error}`)
    await sleep(200)
  }
}

function lastLine(err: unknown): string {
  const e = err as { stderr?: string; message: string }
  const text = (e.stderr || e.message).trim().split('\n')
  return text[text.length - 1] ?? e.message
}
