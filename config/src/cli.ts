/**
 * One way for every command-line tool (backup, restore, dead letters, score) to read its arguments and to
 * fail: `--help` prints the usage and exits 0; an unknown or malformed option prints what is wrong and the
 * usage, exit 2; an error from the body is one line, with its code from the error table, exit 2. No stack
 * traces for users' mistakes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

export type CommandArgs<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>

export async function runCommand<T extends ParseArgsConfig>(
  name: string,
  usage: string,
  config: T,
  body: (args: CommandArgs<T>) => Promise<void>,
): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) return void console.log(usage)
  let args: CommandArgs<T>
  try {
    args = parseArgs(config) // strict by default: unknown options throw
  } catch (err) {
    console.error(`${name}: ${(err as Error).message}\n\n${usage}`)
    process.exit(2)
  }
  try {
    await body(args)
  } catch (err) {
    const e = err as Error & { code?: string }
    console.error(`${name}: ${e.code?.startsWith('PL_') ? `${e.code} ` : ''}${e.message}`)
    process.exit(2)
  }
}
