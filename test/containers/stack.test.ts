/**
 * The container stack for real: the base images, every service image built from its own Dockerfile, and the
 * stack brought up from compose.yaml (with containers/compose.local.yaml, which only swaps the images that cannot
 * exist here). Everything is checked from outside the containers: health checks, non-root users, volumes a fresh
 * Docker volume would let the service write, exact counts in InfluxDB across `docker compose restart ingest`,
 * a coach's login and live tiles over the dashboard's WebSocket. `compose down -v` removes it all at the end,
 * also when a step fails.
 *
 *   npm run test:containers
 */
import { randomBytes } from 'node:crypto'
import { chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { InfluxClient, freePort } from '@pulseline/influx'
import { SESSION_COOKIE } from '@pulseline/dashboard'
import { BleGymDriver, BluezEmulator, planGym, startPrivateBus } from '@pulseline/firmware-sim'
import { readKeyFile, restore, resolveInstallation } from '@pulseline/ops'
import { countsInInflux, flatten } from '../setup/counts.js'
import { LocalEngine, type ComposeProject } from './engine.js'

const ROOT = new URL('../../', import.meta.url).pathname
const GYM = 'demo-gym'
/** The services of the default set that declare a health check in compose.yaml. */
const HEALTH_CHECKED = ['influxdb', 'ingest', 'analytics', 'dashboard']
/** Services built from this repository's Dockerfiles, which must run as `node`. */
const OURS = ['ingest', 'analytics', 'dashboard', 'sim']

let engine: LocalEngine
let project: ComposeProject
let env: Record<string, string>
let scratch: string
const timings: Record<string, number> = {}

async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now()
  try {
    return await work()
  } finally {
    timings[step] = Math.round((Date.now() - start) / 1000)
  }
}

const container = (service: string) => `${project.name}_${service}_1`
const compose = (...args: string[]) => engine.compose(project, args)

/** .env.example with every placeholder replaced by a fresh secret, and host ports that are free. */
async function writeEnvFile(path: string): Promise<Record<string, string>> {
  const values: Record<string, string> = {}
  for (const line of (await readFile(join(ROOT, '.env.example'), 'utf8')).split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line)
    if (match) values[match[1]!] = match[2]!.startsWith('change-me') ? randomBytes(18).toString('base64url') : match[2]!
  }
  for (const port of ['PULSELINE_MQTT_PORT', 'PULSELINE_MQTT_WS_PORT', 'PULSELINE_DASHBOARD_PORT', 'GRAFANA_PORT']) values[port] = String(await freePort())
  values.PULSELINE_BACKUPS_KEY_FILE = join(scratch, 'backup.key')
  await writeFile(values.PULSELINE_BACKUPS_KEY_FILE, randomBytes(32).toString('hex'), { mode: 0o600 })
  await saveEnv(path, values)
  return values
}

const saveEnv = (path: string, values: Record<string, string>) => writeFile(path, Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 })

async function coachLogin(base: string): Promise<{ cookie: string; login: string; password: string }> {
  const logins = JSON.parse(await volumeFile('registry', 'initial-logins.json')) as Array<{ role: string; login: string; password: string }>
  const coach = logins.find((l) => l.role === 'coach')!
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: coach.login, password: coach.password }) })
  expect(res.status).toBe(200)
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${SESSION_COOKIE}=`))
  expect(cookie).toBeDefined()
  return { cookie: cookie!, ...coach }
}

async function influx(): Promise<InfluxClient> {
  return new InfluxClient({ url: `http://${await engine.ipOf(container('influxdb'))}:8086`, database: env.PULSELINE_INFLUX_DB!, username: env.INFLUXDB_ADMIN_USER!, password: env.INFLUXDB_ADMIN_PASSWORD! })
}

async function volumeFile(volume: string, file: string): Promise<string> {
  const mountpoint = (await engine.podman(['volume', 'inspect', `${project.name}_${volume}`, '--format', '{{.Mountpoint}}'])).trim()
  return readFile(join(mountpoint, file), 'utf8')
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'pulseline-containers-'))
  engine = await LocalEngine.start()
  project = { name: 'pulselinect', envFile: join(scratch, '.env'), files: ['compose.yaml', 'containers/compose.local.yaml'] }
  env = await writeEnvFile(project.envFile)
  await compose('--profile', 'ble', '--profile', 'backup', 'down', '-v', '--remove-orphans') // what a killed earlier run left
  await timed('base images', () => engine.buildBaseImages())
  // Cold, seven images each run npm ci and compile better-sqlite3: 8 to 10 minutes alone, more on a busy
  // machine. A CI run hit the engine's default 10-minute limit here.
  await timed('service images', () => engine.compose(project, ['--profile', 'ble', '--profile', 'backup', 'build'], 30 * 60_000))
  engine.startHealthChecks(project.name)
  await timed('up', () => compose('up', '-d'))
}, 40 * 60_000)

afterAll(async () => {
  if (engine && project) {
    await timed('down', () => compose('--profile', 'ble', '--profile', 'backup', 'down', '-v', '--remove-orphans')).catch((err: Error) => console.error(err.message))
    await engine.pruneOldImages().catch((err: Error) => console.error(err.message))
    await engine.stop()
  }
  if (scratch) await rm(scratch, { recursive: true, force: true })
  console.log(`container stack timings (s): ${JSON.stringify(timings)}`)
}, 5 * 60_000)

describe('the compose stack in containers', () => {
  it('passes every health check', async () => {
    await expect.poll(async () => Promise.all(HEALTH_CHECKED.map((s) => engine.healthOf(container(s)))), { timeout: 180_000, interval: 2000 })
      .toEqual(HEALTH_CHECKED.map(() => 'healthy'))
  }, 200_000)

  it('runs every service as a user other than root', async () => {
    for (const service of [...OURS, 'influxdb']) {
      const uid = (await engine.podman(['exec', container(service), 'id', '-u'])).trim()
      expect(uid, service).not.toBe('0')
      if (OURS.includes(service)) expect(uid, service).toBe('1000')
    }
  })

  it('gives every volume a directory the service owns, so a fresh Docker volume is writable', async () => {
    // Podman hands a new named volume to the container's user; Docker copies the owner of the image's directory
    // instead. So the image's own directory is what decides on Docker.
    for (const service of [...OURS, 'influxdb']) {
      const mounts = JSON.parse(await engine.podman(['inspect', container(service), '--format', '{{json .Mounts}}'])) as Array<{ Type: string; Destination: string }>
      const image = (await engine.podman(['inspect', container(service), '--format', '{{.ImageName}}'])).trim()
      const user = (await engine.podman(['image', 'inspect', image, '--format', '{{.Config.User}}'])).trim()
      expect(user, image).not.toBe('')
      for (const mount of mounts.filter((m) => m.Type === 'volume')) {
        const owner = (await engine.podman(['run', '--rm', '--user', '0', '--entrypoint', 'stat', image, '-c', '%U', mount.Destination])).trim()
        expect(owner, `${service}: ${mount.Destination} in ${image}`).toBe(user)
      }
    }
  }, 120_000)

  it('lets a coach log in over HTTP and shows the class live on the WebSocket', async () => {
    const base = `http://127.0.0.1:${env.PULSELINE_DASHBOARD_PORT}`
    const { cookie, login, password } = await coachLogin(base)
    const refused = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: `${password}x` }) })
    expect(refused.status).toBe(401)

    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/live`, { headers: { cookie, origin: base } })
    const tiles: Array<{ member: string; hr?: number }> = []
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type?: string; data?: { member: string; hr?: number } }
      if (message.type === 'tile') tiles.push(message.data!)
    })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    ws.send(JSON.stringify({ op: 'subscribe', topic: `gym/${GYM}/class` }))
    // The sim streams a class from the start: tiles with a heart rate arrive from analytics through ingest.
    await expect.poll(() => tiles.filter((t) => typeof t.hr === 'number').length, { timeout: 90_000, interval: 500 }).toBeGreaterThan(0)
    ws.close()
  }, 120_000)

  it('stores every acknowledged sample exactly once across `docker compose restart ingest`', async () => {
    // The looping demo sim stops first, so the points from now on are the bounded run's alone.
    await compose('stop', 'sim')
    const run = compose('run', '--rm', '-T', 'sim', 'node', '--import', 'tsx', 'firmware-sim/src/main.ts', '--url', 'mqtt://ingest:1883', '--secrets', '/data/device-secrets.json', '--gym', GYM, '--minutes', '1', '--json')
    await new Promise((r) => setTimeout(r, 20_000))
    await timed('restart ingest', () => compose('restart', 'ingest'))
    const report = JSON.parse((await run).split('\n').find((l) => l.startsWith('{'))!) as { startMs: number; samples: number; points: Record<string, Record<string, number>> }
    expect(report.samples).toBeGreaterThan(1000)

    const db = await influx()
    try {
      const expected = flatten(Object.entries(report.points).map(([device, per]) => [device, Object.entries(per)]))
      await expect.poll(async () => flatten(await countsInInflux(db, report.startMs)), { timeout: 60_000, interval: 1000 }).toEqual(expected)
    } finally {
      await db.close()
    }
  }, 300_000)

  it('takes an encrypted backup with the backup profile, which restore verifies file by file', async () => {
    // The backup service runs as `node` (uid 1000): on the host, its folder and the key file must be its to use
    // (README, Operations).
    const out = join(scratch, 'backups')
    await mkdir(out)
    for (const path of [out, env.PULSELINE_BACKUPS_KEY_FILE!]) await chown(path, 1000, 1000)
    env.PULSELINE_BACKUPS_DIR = out
    await saveEnv(project.envFile, env)
    await compose('--profile', 'backup', 'run', '--rm', 'backup', 'node', '--import', 'tsx', 'ops/src/cli/backup.ts', '--out', '/backups', '--encrypt', '/run/secrets/backup_key')
    const [id, ...more] = await readdir(out)
    expect(more).toEqual([])
    const { manifest } = await restore({ dir: join(out, id!), key: await readKeyFile(env.PULSELINE_BACKUPS_KEY_FILE!), installation: resolveInstallation({}), verifyOnly: true })
    expect(manifest.parts.map((p) => p.name).sort()).toEqual(['dead-letters', 'identities', 'influx', 'ingest-log', 'registry'])
    expect(manifest.encryption).toBeTruthy()
  }, 300_000)

  it('brings up the ble profile: the gateway reads BlueZ on the host\'s bus, and the coach sees what it finds nearby', async () => {
    // The host's system bus and BlueZ, here a private bus with the BlueZ emulator and the demo gym's devices
    // advertising on it; the gateway's container gets the bus socket exactly as compose.yaml mounts the host's.
    const bus = await startPrivateBus()
    const emulator = await BluezEmulator.start(bus.address)
    const startMs = Date.now()
    emulator.addAdapter('hci0', { maxConnections: 7 })
    const driver = new BleGymDriver([{ emulator, adapter: 'hci0' }], planGym({ seed: 1, gym: GYM, members: 3, machines: 1, startMs, classStartMs: startMs }))
    driver.start(200)
    try {
      const secrets = JSON.parse(await volumeFile('registry', 'device-secrets.json')) as Record<string, string>
      env.PULSELINE_GATEWAY_MQTT_PASSWORD = secrets['demo-gateway']!
      env.PULSELINE_DBUS_SOCKET = /unix:path=([^,]+)/.exec(bus.address)![1]!
      await saveEnv(project.envFile, env)
      await compose('--profile', 'ble', 'up', '-d', '--no-deps', 'gateway') // its dependencies are up; setup need not run again
      await expect.poll(() => engine.healthOf(container('gateway')), { timeout: 120_000, interval: 2000 }).toBe('healthy')
      expect((await engine.podman(['exec', container('gateway'), 'id', '-u'])).trim()).toBe('1000')

      const base = `http://127.0.0.1:${env.PULSELINE_DASHBOARD_PORT}`
      const { cookie } = await coachLogin(base)
      const advertised = [...driver.addresses.values()].map((a) => a.toUpperCase()).sort()
      await expect.poll(async () => {
        const res = await fetch(`${base}/api/gyms/${GYM}/nearby`, { headers: { cookie } })
        const nearby = (await res.json()) as Array<{ address: string }>
        return nearby.map((d) => d.address.toUpperCase()).sort()
      }, { timeout: 60_000, interval: 1000 }).toEqual(advertised)
    } finally {
      driver.stop()
      emulator.stop()
      await compose('--profile', 'ble', 'stop', 'gateway').catch(() => {})
      await bus.stop()
    }
  }, 240_000)
})
