/**
 * The distributed engines a cluster test runs on, started the way influxd and PostgreSQL are: Debian's
 * binaries (installed by the test run's global setup, or by bench/run.ts), 127.0.0.1 and free ports,
 * temporary directories, tied to the test's life and stopped by PID.
 */
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ChildProcess } from 'node:child_process'
import { spawnTied, stopChild } from '@pulseline/config'
import { ensureDebianBinary, freePort } from '@pulseline/influx'

export interface Engine {
  port: number
  pid: number
  stop(): Promise<void>
}

async function run(name: string, binary: string, args: (dir: string, port: number) => Promise<string[]>, stopSignal: NodeJS.Signals = 'SIGTERM'): Promise<Engine & { url: string }> {
  const dir = await mkdtemp(join(tmpdir(), `pl-${name}-`))
  const port = await freePort()
  const log = createWriteStream(join(dir, `${name}.log`))
  const child: ChildProcess = spawnTied(binary, await args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  child.stdout!.pipe(log)
  child.stderr!.pipe(log)
  const stop = async () => {
    await stopChild(child, stopSignal)
    log.end()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitForPort(port, () => child.exitCode, 10_000)
  } catch (err) {
    const tail = await readFile(join(dir, `${name}.log`), 'utf8').catch(() => '')
    await stop()
    throw new Error(`${name} did not start: ${(err as Error).message}\n${tail.slice(-1500)}`)
  }
  return { port, pid: child.pid!, url: `127.0.0.1:${port}`, stop }
}

/** Redis 7, in memory only (the fabric's state is sessions and retained messages, not samples). */
export async function startRedis(): Promise<Engine & { url: string }> {
  const binary = ensureDebianBinary('redis-server', 'redis-server', false)
  const redis = await run('redis', binary, async (dir, port) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'])
  return { ...redis, url: `redis://127.0.0.1:${redis.port}` }
}

/**
 * HAProxy 2.6 as the TCP load balancer in front of MQTT nodes: round robin, a node that stops answering is
 * out within a second (checked every 250 ms, out after 2 failures), and an established connection to it is cut.
 */
export async function startHaproxy(backends: number[]): Promise<Engine & { url: string }> {
  const binary = ensureDebianBinary('haproxy', 'haproxy', false)
  return run('haproxy', binary, async (dir, port) => {
    const config = join(dir, 'haproxy.cfg')
    await writeFile(
      config,
      [
        'global',
        '  maxconn 4096',
        'defaults',
        '  mode tcp',
        '  timeout connect 2s',
        '  timeout client 120s',
        '  timeout server 120s',
        'frontend mqtt',
        `  bind 127.0.0.1:${port}`,
        '  default_backend ingest',
        'backend ingest',
        '  balance roundrobin',
        '  option tcp-check',
        '  default-server inter 250ms fall 2 rise 1 on-marked-down shutdown-sessions',
        ...backends.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} check`),
        '',
      ].join('\n'),
    )
    return ['-db', '-f', config]
  })
}

async function waitForPort(port: number, exitCode: () => number | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exitCode() !== null) throw new Error(`exited with code ${exitCode()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await sleep(50)
  }
  throw new Error(`nothing listening on ${port} within ${timeoutMs} ms`)
}

export interface NatsCluster {
  /** Client URLs of every server (nats://127.0.0.1:port). */
  urls: string[]
  servers: Array<Engine & { url: string }>
  stop(): Promise<void>
}

/**
 * NATS 2.9 with JetStream, `size` servers clustered over routes on loopback, each with its own store
 * directory: a stream with 3 replicas is acknowledged only once a majority of them has it.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const binary = ensureDebianBinary('nats-server', 'nats-server', false)
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()))
  const servers = await Promise.all(
    routePorts.map((routePort, i) =>
      run(`nats${i + 1}`, binary, async (dir, port) => {
        const config = join(dir, 'nats.conf')
        await writeFile(
          config,
          [
            `server_name: n${i + 1}`,
            `listen: 127.0.0.1:${port}`,
            // ingest's largest log record: a 256 KiB payload as line protocol (log.maxRecordBytes)
            'max_payload: 8MB',
            `jetstream { store_dir: "${join(dir, 'store')}", max_memory_store: 64MB, max_file_store: 2GB }`,
            `cluster { name: pulseline, listen: 127.0.0.1:${routePort}, routes: [${routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}] }`,
            '',
          ].join('\n'),
        )
        return ['-c', config]
      }),
    ),
  )
  return {
    urls: servers.map((s) => `nats://${s.url}`),
    servers,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()))
    },
  }
}
