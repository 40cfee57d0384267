/**
 * Every command-line tool answers --help with its usage (exit 0), and refuses an unknown option or a bad
 * value with a one-line reason and exit status 2, never a stack trace (config/src/cli.ts).
 */
import { describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname

const CLIS: Array<{ script: string; usage: RegExp; bad: string[]; reason: RegExp }> = [
  { script: 'ops/src/cli/backup.ts', usage: /usage: npm run backup -- --out <dir>/, bad: ['--out'], reason: /backup: .*--out/ },
  { script: 'ops/src/cli/restore.ts', usage: /usage: npm run restore -- <backup dir>/, bad: ['--bogus'], reason: /restore: Unknown option '--bogus'/ },
  { script: 'analytics/src/cli/score.ts', usage: /usage: npm run score -- <file.csv>/, bad: ['x.csv', '--kind', 'ecg'], reason: /score: --kind is hr or generic, not "ecg"/ },
  { script: 'analytics/scripts/eval-score.ts', usage: /usage: npm run eval:score -- <NAB checkout>/, bad: ['a', 'b'], reason: /eval:score: give the NAB checkout's directory/ },
  { script: 'files/src/cli/import.ts', usage: /usage: npm run import -- <file> --member <id>/, bad: ['a.fit'], reason: /import: --member is required/ },
  { script: 'files/src/cli/export.ts', usage: /usage: npm run export -- --member <id> --session/, bad: ['--member', 'ann'], reason: /export: --session is required/ },
  { script: 'registry/src/cli.ts', usage: /usage: npm run registry -- <command>/, bad: ['gym', 'add', 'g', '--colour', 'red'], reason: /registry: Unknown option '--colour'/ },
  { script: 'ingest/src/dead-letters/cli.ts', usage: /usage: npm run dead-letters --/, bad: ['--limit', '0'], reason: /dead-letters: --limit is a whole number from 1 to 1000/ },
  { script: 'ingest/src/dead-letters/cli.ts', usage: /usage: npm run dead-letters --/, bad: ['--reason', 'NOT_A_CODE'], reason: /dead-letters: --reason "NOT_A_CODE" is not an error code/ },
]

describe('command-line tools', () => {
  for (const cli of CLIS) {
    it(`${cli.script} ${cli.bad.join(' ')}: usage on --help, a reason and status 2 on bad input`, async () => {
      const help = await run(process.execPath, ['--import', 'tsx', cli.script, '--help'], { cwd: root })
      expect(help.stdout).toMatch(cli.usage)
      const error = await run(process.execPath, ['--import', 'tsx', cli.script, ...cli.bad], { cwd: root }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      )
      expect(error?.code).toBe(2)
      expect(error?.stderr).toMatch(cli.reason)
      expect(error?.stderr).not.toMatch(/\n\s+at /)
    })
  }
})
