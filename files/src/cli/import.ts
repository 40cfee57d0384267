/**
 * `npm run import -- <file> --member <id> [--dry-run]`: a member's history from their own watch's files (FIT,
 * GPX, TCX) into the same series as live samples. A damaged file, or one from another member's device, is
 * refused with the file, the place and the reason, and nothing is written.
 */
import { runCommand } from '@pulseline/config'
import { InfluxClient } from '@pulseline/influx'
import { isTimeZone, openRegistry } from '@pulseline/registry'
import { memberZone } from '../member-zone.js'
import { basename } from 'node:path'
import { readMemberFile, sniffFile } from '../read-member-file.js'
import { accountOf, planImport, type ImportAccount } from '../plan-import.js'
import { importedDeviceId, storeImport, type StoredImport } from '../store-import.js'
import { HEALTH_DEVICE, planHealthExport, storeHealthExport } from '../apple-health/import-health-export.js'

const USAGE = `usage: npm run import -- <file> --member <id> [--dry-run]

Imports a member's file (FIT activity, monitoring or sleep; GPX; TCX; Apple Health export.xml, streamed; a
Fitbit export's heart_rate, steps or sleep JSON), recognised by its content. Every sample
is validated as a live one is; refused samples are counted. --dry-run prints what would be stored and writes
nothing.

  --member <id>      the member the file belongs to
  --dry-run          print sample counts per kind, the time range and heart rate mean and maximum; store nothing
  --db <registry>    SQLite file or postgres:// URL (or PULSELINE_REGISTRY; default .data/registry.sqlite)
  --influx <url>     InfluxDB (or INFLUX_URL; default http://127.0.0.1:8086), credentials from INFLUX_USERNAME
                     and INFLUX_PASSWORD
  --database <db>    default "pulseline"
  --fitbit-zone <z>  Fitbit only: the IANA zone its heart rate and steps times are in (default UTC); its sleep
                     times are read in the member's zone (profile, else gym)`

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
    'fitbit-zone': { type: 'string', default: 'UTC' },
    help: { type: 'boolean' },
  } as const
  await runCommand('import', USAGE, { allowPositionals: true, options }, async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new Error(`give exactly one file\n\n${USAGE}`)
    const member = values.member
    if (!member) throw new Error('--member is required')
    const path = positionals[0]!
    const file = basename(path)
    // Apple Health exports are streamed in two passes; the other formats fit in memory.
    const format = await sniffFile(path)
    const health = format === 'apple_health'
    // The registry is needed to store, and for a Fitbit file's sleep times (the member's zone); a dry run of
    // anything else touches nothing.
    const registry = !values['dry-run'] || format === 'fitbit' ? await openRegistry(values.db ?? process.env.PULSELINE_REGISTRY ?? '.data/registry.sqlite') : undefined
    const fitbit = format === 'fitbit' ? { intraday: values['fitbit-zone'], sleep: await memberZone(registry!, member) } : undefined
    if (fitbit && !isTimeZone(fitbit.intraday)) throw new Error(`--fitbit-zone ${JSON.stringify(fitbit.intraday)} is not an IANA time zone`)
    const healthPlan = health ? await planHealthExport(path, file) : undefined
    const plan = health ? undefined : planImport(file, await readMemberFile(path, { fitbit }))
    const account = healthPlan?.account ?? accountOf(plan!)
    const tally = healthPlan?.tally ?? plan!.tally
    console.log(describeAccount(account))
    if (account.refused) console.log(`  refused: ${tally.describeRefused()}`)
    if (healthPlan) console.log(`  sources kept: ${Object.entries(healthPlan.sources).map(([k, s]) => `${k} from ${s}`).join(', ') || 'none'}`)
    if (values['dry-run'] || !registry) {
      await registry?.close()
      return void console.log(`  dry run: nothing stored (device would be ${importedDeviceId(account.format, plan?.decoded.device ?? HEALTH_DEVICE, member)})`)
    }
    const influx = new InfluxClient({ url: values.influx ?? process.env.INFLUX_URL ?? 'http://127.0.0.1:8086', database: values.database, username: process.env.INFLUX_USERNAME || undefined, password: process.env.INFLUX_PASSWORD || undefined })
    try {
      const stored: StoredImport = healthPlan ? await storeHealthExport(path, file, healthPlan, member, registry, influx) : await storeImport(plan!, member, registry, influx)
      console.log(`  stored ${stored.points} samples for ${member} as device ${stored.device}${stored.createdDevice ? ' (new, owned by the member)' : ''}`)
    } finally {
      await Promise.all([registry.close(), influx.close()])
    }
  })
}
