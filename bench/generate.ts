/** Runs the load generator (load-generator.ts) as its own process, for the benchmark's stages. */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { GeneratorJob, GeneratorResult } from './load-generator.js'
import { cpuSeconds } from './proc.js'

/**
 * Runs the generator; `until` resolves when the thing measured is done (PUBACKs, or points in InfluxDB).
 * `started` runs when the clock starts, once every device is connected: CPU measured from there leaves out
 * the connections (2,000 logins, which cost ingest about a fifth of a run's CPU at 20 samples a message).
 */
export async function generate(
  job: GeneratorJob,
  until?: (result: GeneratorResult) => Promise<number>,
  started?: () => void,
): Promise<{ seconds: number; ackedSeconds: number; samples: number; genCpu: number }> {
  const gen = fork(fileURLToPath(new URL('load-generator.ts', import.meta.url)), [JSON.stringify(job)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const exited = new Promise((r) => gen.once('exit', r))
  let finished = false
  await new Promise<void>((resolve) => gen.once('message', () => resolve()))
  started?.()
  const cpu0 = cpuSeconds(gen.pid!)
  const startedAt = performance.now()
  const done = new Promise<GeneratorResult>((resolve, reject) => {
    gen.on('message', (m: { result?: GeneratorResult; error?: string }) => (m.error ? reject(new Error(`load generator: ${m.error}`)) : m.result && resolve(m.result)))
    gen.once('exit', (code) => finished || reject(new Error(`load generator exited with ${code} before its result`)))
  })
  void done.then(() => (finished = true), () => undefined)
  gen.send('go')
  const result = await done
  const ackedSeconds = (performance.now() - startedAt) / 1000
  const genCpu = cpuSeconds(gen.pid!) - cpu0
  const end = until ? await until(result) : performance.now()
  await exited
  return { seconds: (end - startedAt) / 1000, ackedSeconds, samples: result.samples, genCpu }
}

