/**
 * Sensor to screen: 2,000 straps at 1 Hz in 34 gyms of about 60 (a class board shows one gym), through
 * ingest, analytics and the dashboard, each its own process. Two runs, since a browser on the same two
 * cores hides where the time goes:
 *
 *   sockets  50 WebSocket clients, no browser. Latency from the sample's own timestamp (set when the device
 *            publishes) to the tile's frame arriving, split by hop with an observer subscribed over MQTT as
 *            its own service: device → ingest forwarding the sample (validation, durable append) →
 *            analytics publishing the tile → the dashboard's frame at the client.
 *   board    one class board in headless Chromium (60 tiles): main-thread time per second (Chromium's
 *            TaskDuration) and sample-to-paint, in parts: server (sample to the frame's arrival in the page),
 *            batching (arrival to the animation frame that applies it), paint (that frame to the end of its
 *            rendering, seen by a message posted from the frame).
 *
 * Clocks agree: everything runs on this machine (Date.now()).
 *
 * BENCH_DUMP=file writes each matched tile's four times (sample, forwarded by ingest, tile published, frame
 * arrived) as JSON, to see when the tail happens (it comes in bursts of a few hundred ms, not spread evenly);
 * BENCH_DEVICES sets the straps' count (2,000), to see how the tail follows the load on the two cores.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fork } from 'node:child_process'
import mqtt from 'mqtt'
import WebSocket from 'ws'
import { SqliteRegistry, hashSecret } from '@pulseline/registry'
import { freePort } from '@pulseline/influx'
import { forkReady, stopChild } from '../test/setup/child.js'
import { INGEST_NODE_FLAGS } from '@pulseline/ingest'
import { launchChromium } from '../test/setup/browser.js'
import type { CDPSession, Page } from 'playwright-core'
import { cpuSeconds, profileFlags } from './proc.js'
import { monitorEventLoopDelay } from 'node:perf_hooks'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const LOW_COST = { N: 1024, r: 8, p: 1 } // 2,000 logins at N = 2^14 would take minutes of CPU before the run

export type DashboardMode = 'sockets' | 'board'

/** p50 and p99 of one latency, ms. */
export interface Quantiles {
  p50: number
  p99: number
}

export interface DashboardReport {
  mode: DashboardMode
  devices: number
  gyms: number
  pages: number
  sockets: number
  /** Sample to arrival at the clients (sockets), or to paint (board). */
  total: Quantiles
  /** sockets: ingest, analytics, dashboard; board: server, batching, paint. */
  hops: Record<string, Quantiles>
  fanoutPerS: number
  dashboardCpuPerKFanout: number
  mainThreadMsPerS: number
  /** Of the main-thread time: script, layout and style recalculation (ms per second). */
  mainThreadBreakdown: Record<string, number>
  /** Cores used during the measurement, per process. */
  cores: Record<string, number>
}

const quantiles = (values: number[]): Quantiles => ({ p50: quantile(values, 0.5), p99: quantile(values, 0.99) })

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
}

export async function dashboardBench(influxUrl: string, log: (line: string) => void, mode: DashboardMode, seconds = 30, devices = 2000, perGym = 60): Promise<DashboardReport> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-bench-dash-'))
  const gyms = Math.ceil(devices / perGym)
  const registryPath = join(dir, 'registry.sqlite')
  const registry = SqliteRegistry.open(registryPath, { secretCost: LOW_COST })
  const secrets = new Map<string, string>()
  const fileDevices: Array<{ id: string; gym: string; kind: string; secretHash: string }> = []
  const start = Date.now() - 60_000
  const deviceHash = await hashSecret('bench-device', LOW_COST)
  log(`dashboard: seeding ${gyms} gyms, ${devices} members and straps`)
  for (let g = 0; g < gyms; g++) {
    const gym = `gym-${g}`
    await registry.createGym({ id: gym, name: gym, timezone: 'UTC' })
    await registry.createUser({ id: `coach-${g}`, gymId: gym, role: 'coach', displayName: `Coach ${g}`, login: `coach-${g}` }, 'bench-password')
    for (let i = 0; i < perGym && g * perGym + i < devices; i++) {
      const n = g * perGym + i
      await registry.createUser({ id: `m-${n}`, gymId: gym, role: 'member', displayName: `Member ${n}`, login: null })
      await registry.setMemberProfile(`m-${n}`, { birthYear: 1990, maxHr: 185, restingHr: 55, sex: n % 2 ? 'male' : 'female', weightKg: 70 })
      await registry.createDevice({ id: `s-${n}`, gymId: gym, kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
      await registry.assign(`s-${n}`, `m-${n}`, start)
      fileDevices.push({ id: `s-${n}`, gym, kind: 'strap', secretHash: deviceHash })
      secrets.set(`s-${n}`, 'bench-device')
    }
  }
  await registry.close()
  const services = [
    { id: 'analytics', secretHash: await hashSecret('bench-analytics', LOW_COST), subscribe: ['pulseline/+/device/+/samples'], publish: ['pulseline/+/member/+/live', 'pulseline/+/member/+/anomaly'] },
    { id: 'dashboard', secretHash: await hashSecret('bench-dashboard', LOW_COST), subscribe: ['pulseline/+/member/+/live', 'pulseline/+/member/+/anomaly', 'pulseline/+/gateway/+/nearby'], publish: [] },
    // The benchmark's observer: sees each sample as ingest forwards it and each tile as analytics publishes it.
    { id: 'observer', secretHash: await hashSecret('bench-observer', LOW_COST), subscribe: ['pulseline/+/device/+/samples', 'pulseline/+/member/+/live'], publish: [] },
  ]
  await writeFile(join(dir, 'identities.json'), JSON.stringify({ devices: fileDevices, services }))

  const [mqttPort, httpPort, dashPort] = [await freePort(), await freePort(), await freePort()]
  const database = `bench_dash_${Date.now().toString(36)}`
  // ingest authenticates from the file only (its registry attribution is not what is measured here).
  const ingest = await forkReady(here('../ingest/src/main.ts'), [], {
    PULSELINE_INGEST_MQTT_PORT: String(mqttPort),
    PULSELINE_INGEST_MQTT_WS_ENABLED: 'false',
    PULSELINE_INGEST_MQTT_CONNECTS_PER_SECOND_PER_ADDRESS: '100000', // 2,000 devices connect from 127.0.0.1
    PULSELINE_INGEST_HTTP_PORT: String(httpPort),
    PULSELINE_INGEST_LOG_DIR: join(dir, 'log'),
    PULSELINE_INGEST_DEAD_LETTERS_DIR: join(dir, 'dead'),
    PULSELINE_INGEST_INFLUX_URL: influxUrl,
    PULSELINE_INGEST_INFLUX_DATABASE: database,
    PULSELINE_INGEST_IDENTITIES_FILE: join(dir, 'identities.json'),
  }, [...INGEST_NODE_FLAGS, ...profileFlags()])
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
  const analytics = await forkReady(here('../analytics/src/main.ts'), [], {
    PULSELINE_ANALYTICS_MQTT_URL: mqttUrl,
    PULSELINE_ANALYTICS_MQTT_PASSWORD: 'bench-analytics',
    PULSELINE_ANALYTICS_INFLUX_URL: influxUrl,
    PULSELINE_ANALYTICS_INFLUX_DATABASE: database,
    PULSELINE_ANALYTICS_REGISTRY_PATH: registryPath,
    LOG_LEVEL: 'warn',
  }, profileFlags())
  const dashboard = await forkReady(here('../dashboard/src/main.ts'), [], {
    PULSELINE_DASHBOARD_HTTP_PORT: String(dashPort),
    PULSELINE_DASHBOARD_HTTP_LOGIN_ATTEMPTS_PER_MINUTE: '1000',
    PULSELINE_DASHBOARD_REGISTRY_PATH: registryPath,
    PULSELINE_DASHBOARD_INFLUX_URL: influxUrl,
    PULSELINE_DASHBOARD_INFLUX_DATABASE: database,
    PULSELINE_DASHBOARD_MQTT_URL: mqttUrl,
    PULSELINE_DASHBOARD_MQTT_PASSWORD: 'bench-dashboard',
  }, profileFlags())
  const base = `http://127.0.0.1:${dashPort}`

  log(`dashboard: ${devices} devices connect`)
  const straps = fork(here('straps.ts'), [JSON.stringify({ mqttUrl, devices, perGym })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  await new Promise<void>((resolve, reject) => {
    straps.once('message', () => resolve())
    straps.once('exit', (code) => reject(new Error(`the straps' process exited with ${code}`)))
  })

  const login = async (g: number) => {
    const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: `coach-${g}`, password: 'bench-password' }) })
    return /pl_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!
  }
  const PAGES = mode === 'board' ? 1 : 0
  const SOCKETS = mode === 'board' ? 0 : 50
  log(`dashboard (${mode}): ${PAGES} board in Chromium and ${SOCKETS} socket clients`)
  let measuring = false
  // Strap n wears member m-n: a sample and its tile share the key `${n}:${t}`.
  const forwardedAt = new Map<string, number>()
  const publishedAt = new Map<string, number>()
  const observer = await mqtt.connectAsync(mqttUrl, { username: 'observer', password: 'bench-observer', clientId: 'observer', reconnectPeriod: 0 })
  await observer.subscribeAsync(['pulseline/+/device/+/samples', 'pulseline/+/member/+/live'], { qos: 0 })
  const observed = { samples: 0, tiles: 0 }
  observer.on('message', (topic, payload) => {
    if (topic.endsWith('/samples')) observed.samples++
    else observed.tiles++
    if (!measuring) return
    const now = Date.now()
    const n = /\/(?:device\/s|member\/m)-(\d+)\//.exec(topic)?.[1]
    if (n === undefined) return
    if (topic.endsWith('/samples')) for (const sample of JSON.parse(payload.toString()).samples as Array<{ t: number }>) forwardedAt.set(`${n}:${sample.t}`, now)
    else publishedAt.set(`${n}:${(JSON.parse(payload.toString()) as { t: number }).t}`, now)
  })
  const socketLatencies: number[] = []
  const hopIngest: number[] = []
  const hopAnalytics: number[] = []
  const hopDashboard: number[] = []
  let fanned = 0
  const dump: number[][] = []
  const sockets: WebSocket[] = []
  for (let k = 0; k < SOCKETS; k++) {
    const g = (PAGES + k) % gyms
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/live`, { headers: { cookie: `pl_session=${await login(g)}` } })
    ws.on('message', (data) => {
      const now = Date.now()
      const m = JSON.parse(data.toString())
      if (m.type !== 'tile') return
      fanned++
      if (!measuring) return
      socketLatencies.push(now - m.data.t)
      const key = `${/^m-(\d+)$/.exec(m.data.member)?.[1]}:${m.data.t}`
      const forwarded = forwardedAt.get(key)
      const published = publishedAt.get(key)
      if (forwarded === undefined || published === undefined) return
      hopIngest.push(forwarded - m.data.t)
      hopAnalytics.push(published - forwarded)
      hopDashboard.push(now - published)
      if (process.env.BENCH_DUMP) dump.push([m.data.t, forwarded, published, now])
    })
    await new Promise((r) => ws.once('open', r))
    ws.send(JSON.stringify({ op: 'subscribe', topic: `gym/gym-${g}/class` }))
    sockets.push(ws)
  }
  const browser = PAGES > 0 ? await launchChromium() : undefined
  const pages: Array<{ page: Page; cdp: CDPSession }> = []
  for (let g = 0; g < PAGES; g++) {
    const context = await browser!.newContext({ viewport: { width: 1920, height: 1080 } })
    await context.addCookies([{ name: 'pl_session', value: await login(g), url: base }])
    const page = await context.newPage()
    await page.goto(`${base}/board`)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    pages.push({ page, cdp })
  }
  log(`dashboard: warming up for 10 s, then measuring for ${seconds} s`)
  await new Promise((r) => setTimeout(r, 10_000))
  const metricNames = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration']
  const readMetrics = () => Promise.all(pages.map(async ({ cdp }) => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.filter((m) => metricNames.includes(m.name)).map((m) => [m.name, m.value]))))
  const before = await readMetrics()
  await Promise.all(pages.map(({ page }) => page.evaluate(() => Object.values((window as any).__board.timings as Record<string, number[]>).forEach((l) => (l.length = 0)))))
  const cpu0 = cpuSeconds(dashboard.pid!)
  const procs = { ingest: ingest.pid!, analytics: analytics.pid!, dashboard: dashboard.pid!, straps: straps.pid!, 'socket clients and observer (this process)': process.pid }
  const procCpu0 = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuSeconds(pid)]))
  const fanned0 = fanned
  // This process reads the sockets and the observer: its own event-loop delay is in every figure.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 })
  loopDelay.enable()
  measuring = true
  const t0 = Date.now()
  // BENCH_BOARD_TRACE=file: a Chromium trace of the board's first 5 measured seconds, to see what its main thread does.
  const traceFile = mode === 'board' ? process.env.BENCH_BOARD_TRACE : undefined
  if (traceFile) await browser!.startTracing(pages[0]!.page, { path: traceFile, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'v8'] })
  if (traceFile) setTimeout(() => void browser!.stopTracing(), 5000)
  await new Promise((r) => setTimeout(r, seconds * 1000))
  measuring = false
  loopDelay.disable()
  const ingestLag = Number(/^pulseline_ingest_nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text())?.[1] ?? NaN) * 1000
  log(`dashboard (${mode}): event-loop delay p99 in this process ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, in ingest ${ingestLag.toFixed(1)} ms`)
  const wall = (Date.now() - t0) / 1000
  const cpu = cpuSeconds(dashboard.pid!) - cpu0
  const cores = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, (cpuSeconds(pid) - procCpu0[k]!) / wall]))
  const after = await readMetrics()
  const perPageSecond = (name: string) => (1000 * after.reduce((s, m, i) => s + m[name]! - before[i]![name]!, 0)) / PAGES / wall
  const timings = await Promise.all(pages.map(({ page }) => page.evaluate(() => structuredClone((window as any).__board.timings) as Record<'server' | 'batching' | 'paint' | 'toPaint', number[]>)))
  const pageTimings = (name: 'server' | 'batching' | 'paint' | 'toPaint') => timings.flatMap((t) => t[name])
  // Fan-out: what the socket clients received (the board run has none; its page gets one gym's tiles).
  const fanoutPerS = SOCKETS ? (fanned - fanned0) / wall : NaN
  const mainThreadMsPerS = perPageSecond('TaskDuration')
  const mainThreadBreakdown = Object.fromEntries(metricNames.slice(1).map((n) => [n.replace('Duration', ''), perPageSecond(n)]))

  await observer.endAsync(true)
  for (const ws of sockets) ws.close()
  await browser?.close()
  const strapsExited = new Promise((r) => straps.once('exit', r))
  straps.disconnect()
  await strapsExited
  for (const child of [dashboard, analytics, ingest]) await stopChild(child)
  if (process.env.BENCH_DUMP) await writeFile(process.env.BENCH_DUMP, JSON.stringify(dump))
  const received = mode === 'sockets' ? socketLatencies.length : pageTimings('toPaint').length
  log(`dashboard (${mode}): ${mode === 'sockets' ? `${received} tiles at the clients, ${hopIngest.length} matched to the observer's` : `${received} tiles painted`}; the observer saw ${observed.samples} samples and ${observed.tiles} tiles in all`)
  if (received === 0) throw new Error(`sensor to screen (${mode}): no tile reached the ${mode === 'sockets' ? 'socket clients' : 'board'} while measuring (the observer saw ${observed.samples} samples and ${observed.tiles} tiles)`)
  return {
    mode,
    devices,
    gyms,
    pages: PAGES,
    sockets: SOCKETS,
    total: quantiles(mode === 'sockets' ? socketLatencies : pageTimings('toPaint')),
    hops:
      mode === 'sockets'
        ? { ingest: quantiles(hopIngest), analytics: quantiles(hopAnalytics), dashboard: quantiles(hopDashboard) }
        : { server: quantiles(pageTimings('server')), batching: quantiles(pageTimings('batching')), paint: quantiles(pageTimings('paint')) },
    fanoutPerS,
    dashboardCpuPerKFanout: (cpu / wall / fanoutPerS) * 1000,
    mainThreadMsPerS,
    mainThreadBreakdown,
    cores,
  }
}
