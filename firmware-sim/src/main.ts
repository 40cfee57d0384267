/**
 * The simulated gym as a process (compose.yaml's `sim` service): a class of members with straps, watches
 * and machines streaming over MQTT, one class after another, with the device secrets the registry issued.
 *
 *   tsx firmware-sim/src/main.ts --url mqtt://ingest:1883 --secrets /data/device-secrets.json [--gym demo-gym]
 *     [--members 20] [--machines 6] [--seed 1] [--minutes 60] [--speedup 1] [--loop] [--json]
 *
 * --json prints, after each class, one line with what ingest acknowledged: samples, messages and points per device
 * and InfluxDB measurement, which a test compares with what InfluxDB holds.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { planGym } from './gym.js'
import { runGym, type RunStats } from './mqtt-runner.js'

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    secrets: { type: 'string', default: '.data/demo/device-secrets.json' },
    gym: { type: 'string', default: 'demo-gym' },
    members: { type: 'string', default: '20' },
    machines: { type: 'string', default: '6' },
    seed: { type: 'string', default: '1' },
    minutes: { type: 'string', default: '60' },
    speedup: { type: 'string', default: '1' },
    loop: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
})
const secrets = new Map(Object.entries(JSON.parse(readFileSync(values.secrets!, 'utf8')) as Record<string, string>))
const stop = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort())
do {
  const startMs = Date.now()
  const plan = planGym({ seed: Number(values.seed), gym: values.gym!, members: Number(values.members), machines: Number(values.machines), startMs, classStartMs: startMs })
  const speedup = Number(values.speedup)
  const stats = await runGym({ url: values.url!, plan, secrets, startMs, durationMs: Number(values.minutes) * 60_000, speedup, samplesPerMessage: speedup > 1 ? 20 : 1, maxInflight: 64, tickMs: 200, signal: stop.signal })
  console.log(`sim: class done, ${stats.samples} samples in ${stats.messages} messages`)
  if (values.json) console.log(JSON.stringify({ startMs, samples: stats.samples, messages: stats.messages, points: pointsPerDevice(stats) }))
} while (values.loop && !stop.signal.aborted)
process.exit(0)

function pointsPerDevice(stats: RunStats): Record<string, Record<string, number>> {
  return Object.fromEntries([...stats.points].map(([device, perMeasurement]) => [device, Object.fromEntries(perMeasurement)]))
}
