/**
 * A private PostgreSQL server for tests and benchmarks, as `startLocalInflux` is for InfluxDB: Debian's
 * postgres, a fresh cluster in a temporary directory, listening on 127.0.0.1 and a free port only, password
 * authentication (scram-sha-256) even there, stopped by its PID. PostgreSQL refuses to run as root, so as
 * root it runs as the `postgres` user that Debian's package creates.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chown, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises'
import { existsSync, readdirSync, createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { spawnTied, stopChild } from '@pulseline/config'
import { freePort } from '@pulseline/influx'

export interface LocalPostgres {
  /** postgres://pulseline:<password>@127.0.0.1:<port>/postgres: a superuser of this private server. */
  url: string
  pid: number
  dir: string
  stop(): Promise<void>
}

export interface LocalPostgresOptions {
  /** Skips fsync: for tests that do not measure durability (CREATE DATABASE then takes milliseconds). */
  unsafeFast?: boolean
  startTimeoutMs?: number
}

/** Debian installs the server outside PATH, in /usr/lib/postgresql/<major>/bin. */
export function findPostgresBin(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const majors = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
  for (const v of majors) if (existsSync(join(root, v, 'bin', 'postgres'))) return join(root, v, 'bin')
  return undefined
}

export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const bin = findPostgresBin()
  if (!bin) throw new Error('PostgreSQL not found: install Debian\'s "postgresql" package')
  const dir = await mkdtemp(join(tmpdir(), 'pulseline-postgres-'))
  const owner = process.getuid?.() === 0 ? await postgresUser() : undefined
  if (owner) await chown(dir, owner.uid, owner.gid)
  const password = randomBytes(18).toString('base64url')
  const pwfile = join(dir, 'pwfile')
  await writeFile(pwfile, password, { mode: 0o600 })
  if (owner) await chown(pwfile, owner.uid, owner.gid)
  const data = join(dir, 'data')
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'pulseline', '--pwfile', pwfile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C.UTF-8', '--no-instructions'], {
    encoding: 'utf8',
    ...owner,
  })
  await rm(pwfile, { force: true })
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error?.message}`)
  const settings = [
    'listen_addresses=127.0.0.1',
    `unix_socket_directories=${dir}`,
    'max_connections=200',
    ...(options.unsafeFast ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ]
  let lastError: Error | undefined
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const log = createWriteStream(join(dir, 'postgres.log'), { flags: 'a' })
    const child = spawnTied(join(bin, 'postgres'), ['-D', data, '-p', String(port), ...settings.flatMap((s) => ['-c', s])], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...owner })
    child.stdout!.pipe(log)
    child.stderr!.pipe(log)
    const url = `postgres://pulseline:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`
    try {
      await waitForConnect(url, () => child.exitCode, options.startTimeoutMs ?? 20_000)
      return {
        url,
        pid: child.pid!,
        dir,
        async stop() {
          // SIGINT is PostgreSQL's "fast" shutdown: it rolls back open transactions and exits cleanly.
          await stopChild(child, 'SIGINT')
          log.end()
          await rm(dir, { recursive: true, force: true })
        },
      }
    } catch (err) {
      lastError = err as Error
      await stopChild(child, 'SIGINT')
      log.end()
    }
  }
  const tail = await readFile(join(dir, 'postgres.log'), 'utf8').catch(() => '')
  throw new Error(`postgres did not start: ${lastError?.message}\n${tail.slice(-2000)}`)
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'))
  if (!line) throw new Error('running as root, and there is no postgres user to run PostgreSQL as (Debian\'s "postgresql" package creates it)')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

async function waitForConnect(url: string, exitCode: () => number | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (exitCode() !== null) throw new Error(`postgres exited with code ${exitCode()}`)
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
      return
    } catch (err) {
      last = (err as Error).message
    } finally {
      await client.end().catch(() => undefined)
    }
    await sleep(100)
  }
  throw new Error(`no connection within ${timeoutMs} ms (${last})`)
}

/** Creates a database of its own on the server at `serverUrl` and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a database name: ${name}`)
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}
