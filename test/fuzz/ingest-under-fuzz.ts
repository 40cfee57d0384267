/**
 * The ingest fuzz scenario, shared by the test (a few seconds) and the benchmark (a million packets):
 * ingest runs as its own process; four legitimate devices stream QoS 1 samples through it the whole time;
 * the fuzzer throws hostile MQTT at it over TCP and WebSocket, anonymously, with bogus logins, and logged
 * in as other devices, a gateway and a stolen service identity of the same gym. Afterwards: did ingest
 * stay up, how much memory did it hold, and did every sample the legitimate devices had acknowledged
 * reach InfluxDB, exactly once?
 */
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { deviceSamplesTopic, encodePayload, type Sample } from '@pulseline/protocol'
import { freePort, type InfluxClient } from '@pulseline/influx'
import { resolveIngestOptions } from '@pulseline/ingest'
import { rowsOf } from '@pulseline/influx'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { stopChild, writeIdentities } from '../setup/ingest.js'
import { forkReady } from '../setup/child.js'
import { fuzzBroker, type FuzzReport } from './broker-fuzzer.js'

export interface IngestFuzzResult {
  fuzz: FuzzReport
  alive: boolean
  healthz: number
  rssPeakMiB: number
  /** Every legitimate device had its last PUBACK and disconnected, within a bound. */
  legitEnded: boolean
  legitAcked: number
  legitStored: number
  rejected: Record<string, number>
}

const LEGIT = ['legit-1', 'legit-2', 'legit-3', 'legit-4']

export async function ingestUnderFuzz(influx: InfluxClient, packets: number, seed: number, maxMs: number): Promise<IngestFuzzResult> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-fuzz-'))
  const [port, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()]
  const options = resolveIngestOptions({
    // The door is wide open on purpose: the fuzz is to reach the parser, ACL, validation and log, not to be
    // turned away by the per-address limits (which have tests and a benchmark of their own).
    mqtt: { port, wsPort, connectsPerSecondPerAddress: 1_000_000, failedLoginsPerMinutePerAddress: 1_000_000 },
    http: { port: httpPort, metricsToInfluxMs: 0 },
    log: { dir: join(dir, 'log') },
    deadLetters: { dir: join(dir, 'dead') },
    influx: { url: influx.options.url, database: influx.options.database },
    identities: { file: join(dir, 'identities.json') },
    writer: { backoffInitialMs: 20, backoffMaxMs: 500 },
  })
  const gym = 'fuzz-gym'
  const attackers = ['bad-1', 'bad-2', 'bad-3']
  await writeIdentities(
    options.identities.file,
    [...LEGIT, ...attackers].map((id) => ({ id, gym, kind: 'strap', secret: `secret-${id}` })),
    [{ id: 'analytics', secret: 'secret-analytics', subscribe: ['pulseline/+/device/+/samples'], publish: ['pulseline/+/member/+/live'] }],
    [{ id: 'bad-gw', gym, secret: 'secret-bad-gw' }],
  )
  await writeFile(join(dir, 'ingest.json'), JSON.stringify(options))
  // LOG_LEVEL error: the fuzz makes ingest warn about every oversize packet it cuts.
  const child = await forkReady(fileURLToPath(new URL('../../ingest/src/main.ts', import.meta.url)), ['--config', join(dir, 'ingest.json')], { LOG_LEVEL: 'error' })
  let rssPeak = 0
  let sampler: NodeJS.Timeout | undefined
  const clients: mqtt.MqttClient[] = []
  try {
    sampler = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
        rssPeak = Math.max(rssPeak, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
      } catch {
        // the process is gone; `alive` says so
      }
    }, 200)

    // The legitimate devices: QoS 1, five samples a message, every 20 ms, until the fuzz is over.
    let stop = false
    let acked = 0
    const base = Date.now() - 60_000
    const streams = LEGIT.map(async (id) => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: id, password: `secret-${id}`, clientId: id, reconnectPeriod: 500 })
      clients.push(client)
      let k = 0
      while (!stop) {
        const samples: Sample[] = Array.from({ length: 5 }, () => ({ kind: 'hr', t: base + k++, bpm: 60 + (k % 100) }))
        await client.publishAsync(deviceSamplesTopic(gym, id), encodePayload(samples), { qos: 1 })
        acked += samples.length
        await new Promise((r) => setTimeout(r, 20))
      }
      await client.endAsync()
    })
    const fuzz = await within(fuzzBroker({
      port,
      wsPort,
      packets,
      seed,
      maxMs,
      knownTopics: [...attackers.map((id) => deviceSamplesTopic(gym, id)), deviceSamplesTopic(gym, 'legit-1'), `pulseline/${gym}/gateway/bad-gw/claims`, `pulseline/${gym}/member/m/live`],
      identities: [...attackers.map((id) => ({ username: id, password: `secret-${id}`, ownTopic: deviceSamplesTopic(gym, id) })), { username: 'bad-gw', password: 'secret-bad-gw' }, { username: 'analytics', password: 'secret-analytics' }],
    }), maxMs + 10_000, 'the fuzz stopped at its deadline')
    stop = true
    // Bounded: if ingest died, the devices would wait for their PUBACKs for ever, and the test would hit its
    // timeout without saying why.
    const legitEnded = await within(Promise.all(streams), 15_000, 'the legitimate devices got their last PUBACKs').then(
      () => true,
      () => false,
    )
    const alive = child.exitCode === null && child.signalCode === null
    const healthz = alive ? (await fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(5_000) })).status : 0
    const stored = async () => Number(rowsOf(await influx.query(`SELECT count(bpm) FROM hr WHERE device =~ /^legit-/`))[0]?.count ?? 0)
    const deadline = Date.now() + 30_000
    let legitStored = await stored()
    while (legitStored < acked && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      legitStored = await stored()
    }
    const metrics = alive ? await (await fetch(`http://127.0.0.1:${httpPort}/metrics`, { signal: AbortSignal.timeout(5_000) })).text() : ''
    const rejected: Record<string, number> = {}
    for (const m of metrics.matchAll(/^pulseline_ingest_rejected_total\{reason="(\w+)"\} (\d+)/gm)) rejected[m[1]!] = Number(m[2])
    return { fuzz, alive, healthz, rssPeakMiB: Math.round(rssPeak), legitEnded, legitAcked: acked, legitStored, rejected }
  } finally {
    clearInterval(sampler)
    for (const client of clients) client.end(true)
    await stopChild(child)
    await rm(dir, { recursive: true, force: true })
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not ${what} within ${ms} ms`)), ms)))
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}
