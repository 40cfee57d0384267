/**
 * The analytics benchmark's child process: one Node process (one core for JS and the wasm backend) runs
 * the live engine for N members at 1 Hz with zones, effort, anomaly rules and the model's batched inference (on its worker thread, as in the service)
 * every second, fed by an in-process source that spreads each second's readings evenly. Latency of a
 * reading: from its scheduled arrival to its tile being handed to the sink (a reading that arrives while
 * a tick's inference runs waits for it, and that wait is counted).
 */
import { SqliteRegistry, MemberAttribution } from '@pulseline/registry'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { LiveEngine, loadModelForBench, resolvePhysiology } from './analytics-deps.js'

const [members, seconds] = [Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 30)]
const registry = SqliteRegistry.open(':memory:')
await registry.createGym({ id: 'bench', name: 'Bench', timezone: 'UTC' })
const t0 = Date.now()
for (let i = 0; i < members; i++) {
  await registry.createUser({ id: `m${i}`, gymId: 'bench', role: 'member', displayName: `m${i}`, login: null })
  await registry.setMemberProfile(`m${i}`, { birthYear: 1990, sex: i % 2 ? 'male' : 'female', weightKg: 70, restingHr: 55, maxHr: 185 })
  await registry.createDevice({ id: `s${i}`, gymId: 'bench', kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
  await registry.assign(`s${i}`, `m${i}`, t0 - 3_600_000)
}
let tiles = 0
const engine = new LiveEngine({
  attribution: new MemberAttribution(registry),
  physiologyOf: async (m) => resolvePhysiology(await registry.memberProfile(m), Date.now(), 'tanaka'),
  sessionAt: () => undefined,
  sink: { publish: () => void tiles++, write: () => {} },
  model: await loadModelForBench(),
  effortPointsPerMin: [0, 1, 2, 3, 4, 4],
})

const latencies: number[] = []
const topics = Array.from({ length: members }, (_, i) => deviceSamplesTopic('bench', `s${i}`))
const SLOTS = 100 // each second in 100 slots of 10 ms
const perSlot = Math.ceil(members / SLOTS)
const warmupS = 5
const start = performance.now()
let cpuAtMeasure: NodeJS.CpuUsage | undefined
let measureStart = 0
let tickMs = 0
let ticks = 0
let measuring = false
// The clock runs on its own timer, as in the service: readings keep arriving while a tick works.
const clock = setInterval(() => {
  const tickStart = performance.now()
  void engine.tick().then(() => {
    if (measuring) {
      tickMs += performance.now() - tickStart
      ticks++
    }
  })
}, 1000)

for (let s = 0; s < seconds + warmupS; s++) {
  if (s === warmupS) {
    cpuAtMeasure = process.cpuUsage()
    measureStart = performance.now()
    measuring = true
  }
  for (let slot = 0; slot < SLOTS; slot++) {
    const due = start + s * 1000 + slot * 10
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const t = Date.now()
    const jobs: Promise<void>[] = []
    for (let k = slot * perSlot; k < Math.min(members, (slot + 1) * perSlot); k++) {
      const hr = Math.round(120 + 30 * Math.sin((s + k) / 20) + ((s * 7 + k) % 3))
      const payload = encodePayload([{ kind: 'hr', t, bpm: hr, rr_ms: [Math.round(60000 / hr)] }])
      jobs.push(engine.handle(topics[k]!, payload, t).then(() => void (s >= warmupS && latencies.push(performance.now() - due))))
    }
    await Promise.all(jobs)
  }
}
clearInterval(clock)
const wallS = (performance.now() - measureStart) / 1000
const cpu = process.cpuUsage(cpuAtMeasure)
latencies.sort((a, b) => a - b)
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!
process.send!({
  members,
  samples: latencies.length,
  p50Ms: q(0.5),
  p99Ms: q(0.99),
  maxMs: latencies.at(-1),
  cpuCores: (cpu.user + cpu.system) / 1e6 / wallS,
  tickMs: tickMs / ticks,
  anomalies: engine.counters.anomalies,
  tiles,
})
await registry.close()
process.exit(0)
