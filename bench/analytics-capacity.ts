/**
 * How many members one analytics core holds (npm run bench -- --only capacity), as a figure to plan clusters
 * with: the live engine (zones, effort, HRV, rules, the model's batched inference each second) at growing member
 * counts, each in its own process (one core for JS and the wasm backend), until a reading's p99 latency passes
 * 20 ms or the process needs more than one core. CPU per member-second includes the in-process source that feeds
 * the readings, so it is an upper bound for the engine.
 */
import { analyticsBench, type AnalyticsReport } from './analytics.js'
import { median } from './proc.js'

const P99_TARGET_MS = 20

export async function capacityBench(log: (line: string) => void, seconds: number, repeats: number, sizes = [5000, 10_000, 15_000, 20_000, 25_000]): Promise<string[]> {
  const runs: AnalyticsReport[] = []
  for (const members of sizes) {
    // Medians of `repeats` runs: one run's p99 at a size swung from 8 to 32 ms on this machine.
    const each: AnalyticsReport[] = []
    for (let k = 1; k <= repeats; k++) {
      log(`capacity: ${members.toLocaleString('en-US')} members at 1 Hz for ${seconds} s, run ${k}/${repeats}`)
      each.push(await analyticsBench(members, seconds))
    }
    const r = { ...each[0]!, p99Ms: median(each.map((e) => e.p99Ms)), cpuCores: median(each.map((e) => e.cpuCores)), runsP99: each.map((e) => e.p99Ms) }
    runs.push(r)
    if (r.p99Ms > P99_TARGET_MS * 3 || r.cpuCores > 1.2) break // well past the limit: larger sizes only take longer
  }
  const held = runs.filter((r) => r.p99Ms <= P99_TARGET_MS && r.cpuCores <= 1)
  const best = held.at(-1)
  const usPerMemberSecond = (r: AnalyticsReport) => (r.cpuCores * 1e6) / r.members
  return [
    '',
    `Analytics capacity: members at 1 Hz in one process, reading-to-tile latency and CPU (medians of ${repeats} runs of ${seconds} s): ` +
      runs.map((r) => `${r.members.toLocaleString('en-US')}: p99 ${r.p99Ms.toFixed(1)} ms (runs ${(r as AnalyticsReport & { runsP99: number[] }).runsP99.map((p) => p.toFixed(1)).join(' / ')}), ${(r.cpuCores * 100).toFixed(0)} % of a core, ${usPerMemberSecond(r).toFixed(0)} CPU-µs per member-second`).join('; ') +
      `. **One core holds ${best ? best.members.toLocaleString('en-US') : 'fewer than ' + sizes[0]!.toLocaleString('en-US')} members** at p99 ≤ ${P99_TARGET_MS} ms among the sizes tried` +
      (best ? ` (at ${usPerMemberSecond(best).toFixed(0)} µs per member-second a core's whole second would be ${Math.floor(1e6 / usPerMemberSecond(best)).toLocaleString('en-US')} members; latency, not CPU, sets the limit)` : '') +
      '.',
  ]
}
