/**
 * Starts a private `influxd` (Debian's influxdb 1.6.7, or any 1.x on PATH) with a generated config, free
 * ports and its own directory. Tests, the benchmark and the demo all use it; each stops only the process
 * it started, by PID.
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { spawnTied, stopChild } from '@pulseline/config'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { createWriteStream, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export interface LocalInflux {
  url: string
  /** host:port of its RPC service, which `influxd backup` and `influxd restore` use. */
  rpc: string
  pid: number
  dir: string
  stop(): Promise<void>
}

export interface LocalInfluxOptions {
  /** Directory for data, WAL, meta and the log; a fresh temporary one when omitted (and removed on stop). */
  dir?: string
  /** Path of influxd; found on PATH when omitted. */
  binary?: string
  /** How long to wait for `/ping` (ms). */
  startTimeoutMs?: number
  /** HTTP port; a free one when omitted. Tests that restart a server on the same address set it. */
  port?: number
  /** Require credentials, as a deployment does (the first user created must be an admin). */
  authEnabled?: boolean
}

/** A port the OS says is free now. Another process could take it before influxd binds; start retries. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * The generated config. Settings that differ from the defaults, and why:
 * - max-values-per-tag = 0: the default limit (100,000) turns writes into HTTP 400 "partial write" once a
 *   tag (device, member) has that many values; cardinality is bounded by the registry instead.
 * - wal-fsync-delay stays 0 s: a delay of 100 ms cut throughput about 4× on these machines.
 * - monitor store, reporting, query log and HTTP access log off: they cost CPU and disk for nothing here.
 */
export function influxConfig(dir: string, httpPort: number, rpcPort: number, authEnabled = false): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  wal-fsync-delay = "0s"
  query-log-enabled = false
  max-values-per-tag = 0
  max-series-per-database = 0

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = ${authEnabled}
  log-enabled = false
  write-tracing = false
  max-body-size = 25000000

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false
`
}

export function findOnPath(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/local/bin'])) {
    const candidate = join(dir, binary)
    if (existsSync(candidate)) return candidate
  }
  return null
}

export function findInfluxd(): string | null {
  return findOnPath('influxd')
}

/**
 * The path of `binary` on PATH; when it is missing and `install` is set, installs Debian's `pkg` first
 * (only as root on Debian). Throws with what to do otherwise. The tests and the demo use it for influxd
 * and dbus-daemon.
 */
export function ensureDebianBinary(binary: string, pkg: string, install: boolean, say: (line: string) => void = () => {}): string {
  const found = findOnPath(binary)
  if (found) return found
  if (!install || process.getuid?.() !== 0 || !existsSync('/etc/debian_version')) {
    throw new Error(`${binary} is not installed: install it (Debian: apt-get install ${pkg})`)
  }
  say(`${binary} not found; installing Debian's "${pkg}" package with apt-get ...`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-q', pkg], { stdio: 'inherit', env })
  const installed = findOnPath(binary)
  if (!installed) throw new Error(`apt-get installed ${pkg} but ${binary} is still not on PATH`)
  return installed
}

/** influxd's path, installing Debian's influxdb (InfluxDB 1.x) when allowed; or set INFLUX_URL instead. */
export function ensureInfluxd(install: boolean, say: (line: string) => void = () => {}): string {
  return ensureDebianBinary('influxd', 'influxdb', install, say)
}

export async function startLocalInflux(options: LocalInfluxOptions = {}): Promise<LocalInflux> {
  const binary = options.binary ?? findInfluxd()
  if (!binary) throw new Error('influxd not found on PATH: install Debian\'s "influxdb" package or set INFLUX_URL')
  const ownsDir = options.dir === undefined
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'pulseline-influx-')))
  await mkdir(dir, { recursive: true })
  let lastError: Error | undefined
  for (let attempt = 0; attempt < 3; attempt++) {
    const [httpPort, rpcPort] = [options.port ?? (await freePort()), await freePort()]
    const configPath = join(dir, 'influxdb.conf')
    await writeFile(configPath, influxConfig(dir, httpPort, rpcPort, options.authEnabled ?? false))
    const log = createWriteStream(join(dir, 'influxd.log'), { flags: 'a' })
    // detached: its own process group, so a Ctrl-C meant for the demo lets the demo stop it in order
    const child = spawnTied(binary, ['-config', configPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    child.stdout!.pipe(log)
    child.stderr!.pipe(log)
    const url = `http://127.0.0.1:${httpPort}`
    try {
      await waitForPing(url, child, options.startTimeoutMs ?? 20_000)
      return {
        url,
        rpc: `127.0.0.1:${rpcPort}`,
        pid: child.pid!,
        dir,
        stop: async () => {
          await stopChild(child)
          log.end()
          if (ownsDir) await rm(dir, { recursive: true, force: true })
        },
      }
    } catch (err) {
      lastError = err as Error
      await stopChild(child)
      log.end()
    }
  }
  throw new Error(`influxd did not start (log in ${dir}/influxd.log): ${lastError?.message}`)
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`influxd exited with code ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/ping`)
      if (res.status === 204) return
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  throw new Error(`no answer from ${url}/ping within ${timeoutMs} ms`)
}

