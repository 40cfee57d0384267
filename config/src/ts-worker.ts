/**
 * A worker thread that runs a TypeScript module. A worker does not inherit the loader hooks that
 * `--import tsx` registers in the main thread (a .ts worker fails with "Unknown file extension"), so the
 * worker registers tsx itself before it imports the module: the same under `node --import tsx`, vitest and
 * the containers.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads'

export function startTsWorker(module: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'))
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}) })`
  return new Worker(boot, { ...options, eval: true })
}
