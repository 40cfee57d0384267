/**
 * The process entry every service shares: options from a JSON file (`--config FILE` or
 * `{PREFIX}_CONFIG`) and `{PREFIX}_*` environment variables (the environment wins), validated; then start,
 * tell a parent process (tests, the demo) that it is ready, and close cleanly on SIGINT or SIGTERM.
 *
 * A service started by a parent over IPC stops when that parent goes away (its IPC channel closes), so a
 * crashed test run or demo leaves no service behind. A promise rejection nobody handled is a bug, but
 * one request's bug: it is logged with a code and counted, and the service goes on serving everyone else.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { TObject } from '@sinclair/typebox'
import { deepMerge, optionsFromEnv } from './options.js'

export async function runService<O, S extends { close(): Promise<void> }>(
  envPrefix: string,
  schema: TObject,
  resolve: (input: unknown) => O,
  start: (options: O) => Promise<S>,
  readyMessage: (service: S) => Record<string, unknown> = () => ({}),
): Promise<S> {
  catchUnhandledRejections()
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: false })
  const file = (values.config as string | undefined) ?? process.env[`${envPrefix}_CONFIG`]
  const fromFile: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : {}
  const service = await start(resolve(deepMerge(fromFile, optionsFromEnv(envPrefix, schema))))
  process.send?.({ ready: true, ...readyMessage(service) })
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    setTimeout(() => process.exit(1), 20_000).unref()
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop)
  if (process.send) process.once('disconnect', stop)
  return service
}

/** Logs (and counts) promise rejections that nothing handled, instead of letting Node end the process. */
export const unhandledRejections = { count: 0 }
export function catchUnhandledRejections(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  if (process.listenerCount('unhandledRejection') > 0) return
  process.on('unhandledRejection', (reason) => {
    unhandledRejections.count++
    log(JSON.stringify({ level: 50, time: Date.now(), code: 'PL_INTERNAL', msg: 'unhandled promise rejection', error: reason instanceof Error ? reason.message : String(reason) }))
  })
}
