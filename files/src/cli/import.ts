/**
 * `npm run import -- <file> --member <id> [--dry-run]`: a member's history from their own watch's files (FIT,
 * GPX, TCX) into the same series as live samples. A damaged file, or one from another member's device, is
 * refused with the file, the place and the reason, and nothing is written.
 */
import { runCommand } from '@pulseline/config'
import { InfluxClient } from '@pulseline/influx'
import { openRegistry } from '@pulseline/registry'
import { readMemberFile } from '../read-member-file.js'
import { accountOf, planImport, type ImportAccount } from '../plan-import.js'
import { describeRefused, importedDeviceId, storeImport } from '../store-import.js'

const USAGE = `usage: npm run import -- <file> --member <id> [--dry-run]

Imports a member's file (FIT activity, monitoring or sleep; GPX; TCX), recognised by its content. Every sample
is validated as a live one is; refused samples are counted. --dry-run prints what would be stored and writes
nothing.

  --member <id>      the member the file belongs to
  --dry-run          print sample counts per kind, the time range and heart rate mean and maximum; store nothing
  --db <registry>    SQLite file or postgres:// URL (or PULSELINE_REGISTRY; default .data/registry.sqlite)
  --influx <url>     InfluxDB (or INFLUX_URL; default http://127.0.0.1:8086), credentials from INFLUX_USERNAME
                     and INFLUX_PASSWORD
  --database <db>    default "pulseline"`

export function describeAccount(a: ImportAccount): string {
  const iso = (ms: number | null) => (ms === null ? '–' : new Date(ms).toISOString())
  return [
    `${a.file}: ${a.format}, ${a.device}${a.laps ? `, ${a.laps} lap${a.laps === 1 ? '' : 's'}` : ''}`,
    `  samples: ${Object.entries(a.samples).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}${a.refused ? ` (${a.refused} refused)` : ''}`,
    `  from ${iso(a.fromMs)} to ${iso(a.toMs)}`,
    a.hr ? `  heart rate: mean ${a.hr.mean} bpm, max ${a.hr.max} bpm` : '  heart rate: none',
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = {
    member: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    db: { type: 'string' },
    influx: { type: 'string' },
    database: { type: 'string', default: 'pulseline' },
    help: { type: 'boolean' },
  } as const
  await runCommand('import', USAGE, { allowPositionals: true, options }, async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new Error(`give exactly one file\n\n${USAGE}`)
    if (!values.member) throw new Error('--member is required')
    const plan = planImport(positionals[0]!.split('/').at(-1)!, await readMemberFile(positionals[0]!))
    const account = accountOf(plan)
    console.log(describeAccount(account))
    if (account.refused) console.log(`  refused: ${describeRefused(plan)}`)
    if (values['dry-run']) return void console.log(`  dry run: nothing stored (device would be ${importedDeviceId(plan, values.member)})`)
    const registry = await openRegistry(values.db ?? process.env.PULSELINE_REGISTRY ?? '.data/registry.sqlite')
    const influx = new InfluxClient({ url: values.influx ?? process.env.INFLUX_URL ?? 'http://127.0.0.1:8086', database: values.database, username: process.env.INFLUX_USERNAME || undefined, password: process.env.INFLUX_PASSWORD || undefined })
    try {
      const stored = await storeImport(plan, values.member, registry, influx)
      console.log(`  stored ${stored.points} samples for ${values.member} as device ${stored.device}${stored.createdDevice ? ' (new, owned by the member)' : ''}`)
    } finally {
      await Promise.all([registry.close(), influx.close()])
    }
  })
}
