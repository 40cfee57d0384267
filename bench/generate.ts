/** Runs the load generator (load-generator.ts) as its own process, for the benchmark's stages. */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { GeneratorJob, GeneratorResult } from './load-generator.js'
import { cpuSeconds } from './proc.js'

/** Runs the generator; `until` resolves when the thing measured is done (PUBACKs, or points in InfluxDB). */
export async function generate(job: GeneratorJob, until?: (result: GeneratorResult) => Promise<number>): Promise<{ seconds: number; ackedSeconds: number; samples: number; genCpu: number }> {
  const gen = fork(fileURLToPath(new URL('load-generator.ts', import.meta.url)), [JSON.stringify(job)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const exited = new Promise((r) => gen.once('exit', r))
  let finished = false
  await new Promise<void>((resolve) => gen.once('message', () => resolve()))
  const cpu0 = cpuSeconds(gen.pid!)
  const started = performance.now()
  const done = new Promise<GeneratorResult>((resolve, reject) => {
    gen.on('message', (m: { result?: GeneratorResult; error?: string }) => (m.error ? reject(new Error(`load generator: ${m.error}`)) : m.result && resolve(m.result)))
    gen.once('exit', (code) => finished || reject(new Error(`load generator exited with ${code} before its result`)))
  })
  void done.then(() => (finished = true), () => undefined)
  gen.send('go')
  const result = await done
  const ackedSeconds = (performance.now() - started) / 1000
  const genCpu = cpuSeconds(gen.pid!) - cpu0
  const end = until ? await until(result) : performance.now()
  await exited
  return { seconds: (end - started) / 1000, ackedSeconds, samples: result.samples, genCpu }
}

