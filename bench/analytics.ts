/** Runs the analytics load in a child process (one core) and reports its latency and CPU. */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { profileFlags } from './proc.js'

export interface AnalyticsReport {
  members: number
  samples: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  cpuCores: number
  tickMs: number
  anomalies: number
  tiles: number
}

export function analyticsBench(members: number, seconds: number): Promise<AnalyticsReport> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./analytics-load.ts', import.meta.url)), [String(members), String(seconds)], { execArgv: ['--import', 'tsx', ...profileFlags()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.once('message', (m) => resolve(m as AnalyticsReport))
    child.once('exit', (code) => code !== 0 && reject(new Error(`analytics bench exited with ${code}`)))
  })
}
