/**
 * The process entry every service shares: options from a JSON file (`--config FILE` or
 * `{PREFIX}_CONFIG`) and `{PREFIX}_*` environment variables (the environment wins), validated; then start,
 * tell a parent process (tests, the demo) that it is ready, and close cleanly on SIGINT or SIGTERM.
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
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: false })
  const file = (values.config as string | undefined) ?? process.env[`${envPrefix}_CONFIG`]
  const fromFile: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : {}
  const service = await start(resolve(deepMerge(fromFile, optionsFromEnv(envPrefix, schema))))
  process.send?.({ ready: true, ...readyMessage(service) })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      service.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
  return service
}
