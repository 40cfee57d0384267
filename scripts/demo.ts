/**
 * `npm start`: the whole pipeline on one machine, on embedded defaults. A local InfluxDB, ingest (broker,
 * durable log, writer) and a simulated class of 20 members streaming live. Each step says what it does;
 * the end says where to look. Ctrl-C stops everything this script started.
 *
 *   npm start -- --members 20 --machines 6 --speedup 1 --seed 1 --ble auto|on|off
 */
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { planGym, runGym } from '@pulseline/firmware-sim'
import { resolveIngestOptions, startIngest } from '@pulseline/ingest'
import { resolveAnalyticsOptions, startAnalytics } from '@pulseline/analytics'
import { demoInflux } from './demo/influx.js'
import { seedDemoRegistry } from './demo/seed.js'
import { resolveDashboardOptions, startDashboard } from '@pulseline/dashboard'
import { startDemoBle, type DemoBle } from './demo/ble.js'
import { importDemoWeek } from './demo/import-week.js'
import { catchUnhandledRejections } from '@pulseline/config'

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '20' },
    machines: { type: 'string', default: '6' },
    speedup: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    minutes: { type: 'string', default: '60' },
    data: { type: 'string', default: '.data' },
    ble: { type: 'string', default: 'auto' },
  },
})
const say = (line: string) => console.log(`[pulseline] ${line}`)
// One request's bug must not end the whole demo: logged and counted instead (the servers it started die with it anyway).
catchUnhandledRejections()
const data = resolve(values.data!)
const GYM = 'demo-gym'

say('Starting the Pulseline demo: a simulated gym class streaming into a real InfluxDB.')
say('Logs carry device ids only, never readings or names.')
const influx = await demoInflux(join(data, 'influxdb'), say)

const now = Date.now()
const speedup = Number(values.speedup)
const durationMs = Number(values.minutes) * 60_000
// Replays faster than real time start in the past so that their timestamps never run into the future.
const startMs = speedup > 1 ? now - durationMs : now
const plan = planGym({ seed: Number(values.seed), gym: GYM, members: Number(values.members), machines: Number(values.machines), startMs, classStartMs: startMs })
// The BLE path runs in real time only; with it, the machines and every other strap go through the gateway.
const ble = values.ble === 'off' ? false : values.ble === 'on' || (speedup === 1 && existsSync('/usr/bin/dbus-daemon'))
const viaGateway = new Set(ble ? plan.devices.filter((d, i) => d.kind !== 'strap' || i % 2 === 0).map((d) => d.id) : [])
const blePlan = { ...plan, devices: plan.devices.filter((d) => viaGateway.has(d.id)) }
const mqttPlan = { ...plan, devices: plan.devices.filter((d) => !viaGateway.has(d.id)) }
const GATEWAY = 'demo-gateway'
say(`Registry: seeding the demo gym: a coach, ${plan.members.length} members with their physiology, ${plan.devices.length} devices with HMAC-hashed credentials, a class session with pool straps and machines assigned`)
const registryPath = join(data, 'registry.sqlite')
const servicesPath = join(data, 'demo', 'services.json')
const { secrets, logins, pairing, services } = await seedDemoRegistry(registryPath, plan, GATEWAY, startMs, join(data, 'demo', 'device-secrets.json'), servicesPath)

say('Ingest: starting the MQTT broker, the durable log and the InfluxDB writer')
const options = resolveIngestOptions({
  log: { dir: join(data, 'ingest', 'log') },
  deadLetters: { dir: join(data, 'ingest', 'dead-letters') },
  influx: { url: influx.url, database: 'pulseline' },
  identities: { file: servicesPath, registry: registryPath },
})
const ingest = await startIngest(options, { logger: pino({ name: 'ingest', level: 'warn' }) })

// Where this installation keeps its state, for `npm run backup` and `npm run restore` (README, Operations).
await writeFile(
  join(data, 'installation.json'),
  JSON.stringify(
    {
      registry: { path: registryPath },
      identities: { file: servicesPath },
      log: { dir: options.log.dir },
      deadLetters: { dir: options.deadLetters.dir },
      influx: { url: influx.url, rpc: influx.local?.rpc ?? '127.0.0.1:8088', database: 'pulseline' },
    },
    null,
    2,
  ) + '\n',
)

say('Analytics: live zones, effort and anomalies (TensorFlow.js model on the wasm backend), rollups into InfluxDB')
const analytics = await startAnalytics(
  resolveAnalyticsOptions({
    mqtt: { url: `mqtt://127.0.0.1:${ingest.mqttPort}`, username: 'analytics', password: services.get('analytics')!, gyms: [GYM] },
    influx: { url: influx.url, database: 'pulseline' },
    registry: { path: registryPath },
    // Eight days, so that the imported week's nights and days are summarised too.
    rollups: { everyMs: 30_000, dailyEveryMs: 5 * 60_000, dailyLookbackDays: 8 },
  }),
  pino({ name: 'analytics', level: 'warn' }),
)
say(`Analytics: running on the ${analytics.backend} backend`)

say("Files: the members who wear watches bring their last week (nights, steps, a run) as their watch's or phone's files")
const imported = await importDemoWeek(plan, Number(values.seed), registryPath, influx.url, join(data, 'demo', 'files'), { url: `mqtt://127.0.0.1:${ingest.mqttPort}`, gym: GYM, secrets }, say)
// Last night came through ingest's log: summarise once it is in InfluxDB (at most 10 s).
for (const until = Date.now() + 10_000; ingest.log.backlogBytes > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100))
await analytics.rollupDaysNow()
say(`Files: ${imported} samples imported; daily sleep and step summaries computed (npm run import -- <file> --member <id> does the same)`)

say('Dashboard: login, the live class board over WebSocket, history, registry REST and OpenAPI')
const dashboard = await startDashboard(
  resolveDashboardOptions({
    http: { port: Number(process.env.PULSELINE_DASHBOARD_PORT ?? 8080) },
    registry: { path: registryPath },
    influx: { url: influx.url, database: 'pulseline' },
    mqtt: { url: `mqtt://127.0.0.1:${ingest.mqttPort}`, username: 'dashboard', password: services.get('dashboard')!, gyms: [GYM] },
  }),
)
const dashboardUrl = dashboard.url

let demoBle: DemoBle | undefined
if (ble) demoBle = await startDemoBle(blePlan, ingest.mqttPort, GATEWAY, secrets.get(GATEWAY)!, data, say)
else say('BLE: off (it runs in real time only, and needs dbus-daemon); every device speaks MQTT directly')
say(`Simulator: ${mqttPlan.devices.length} devices connect over MQTT directly and stream a ${values.minutes}-minute class at ${speedup}x`)
const stop = new AbortController()
const run = runGym({
  url: `mqtt://127.0.0.1:${ingest.mqttPort}`,
  plan: mqttPlan,
  secrets,
  startMs,
  durationMs,
  speedup,
  samplesPerMessage: speedup > 1 ? 20 : 1,
  maxInflight: 64,
  tickMs: speedup > 1 ? 50 : 200,
  signal: stop.signal,
})

say('Running. Where to look:')
say(`  CLASS BOARD      ${dashboardUrl}/board   (log in as the coach below; a member's page is ${dashboardUrl}/me)`)
say(`  MQTT broker      mqtt://127.0.0.1:${ingest.mqttPort}  (WebSocket ws://127.0.0.1:${ingest.wsPort})`)
say(`  ingest health    http://127.0.0.1:${ingest.httpPort}/healthz`)
say(`  ingest metrics   http://127.0.0.1:${ingest.httpPort}/metrics`)
say(`  InfluxDB         ${influx.url}  database "pulseline"`)
say(`  try:  curl -G '${influx.url}/query' --data-urlencode db=pulseline --data-urlencode "q=SELECT last(bpm) FROM hr GROUP BY device"`)
say(`  device secrets   ${join(data, 'demo', 'device-secrets.json')}`)
say(`  registry         ${registryPath} (samples carry the member assigned at their time)`)
say(`  backup           npm run backup -- --out backups   (restore: npm run restore -- backups/<name>, into an empty installation)`)
say(`  dashboard API    ${dashboardUrl}/docs   (interactive documentation, after logging in; the OpenAPI document at /docs/json)`)
for (const l of logins) say(`  ${`${l.role} login`.padEnd(16)} ${l.login} / ${l.password}`)
say(`  pairing code     ${pairing.code} on the screen of "${pairing.device}": a member pairs it on their page, or with POST /api/me/devices`)
say('Press Ctrl-C to stop.')

const status = setInterval(async () => {
  const text = await ingest.metrics.registry.getSingleMetricAsString('pulseline_writer_points_total')
  const written = Number(/ (\d+(?:\.\d+)?)$/m.exec(text)?.[1] ?? 0)
  say(`status: ${written} points in InfluxDB, log backlog ${ingest.log.backlogBytes} bytes, ${ingest.broker.connectedClients} devices connected`)
}, 10_000)

let stopping = false
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  say('Stopping: simulator, gateway, ingest, InfluxDB ...')
  setTimeout(() => {
    say('Some part did not stop within 20 s; exiting anyway (the log keeps every acknowledged sample).')
    process.exit(1)
  }, 20_000).unref()
  clearInterval(status)
  stop.abort()
  await run.catch(() => undefined)
  if (process.env.DEMO_DEBUG) say('simulator stopped')
  await demoBle?.close()
  if (process.env.DEMO_DEBUG) say('gateway stopped')
  await analytics.close()
  if (process.env.DEMO_DEBUG) say('analytics stopped')
  await dashboard.close()
  await ingest.close()
  if (process.env.DEMO_DEBUG) say('ingest stopped')
  await influx.local?.stop()
  say('Stopped.')
  process.exit(0)
}
process.once('SIGINT', () => void shutdown())
process.once('SIGTERM', () => void shutdown())
await run
if (!stopping) say('The simulated class is over.')
await shutdown()
