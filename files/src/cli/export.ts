/**
 * `npm run export -- --member <id> --session <class id> --out <file> [--format fit|tcx]`: a member's class as a
 * FIT activity file, or TCX (heart rate, and the machine's power, cadence, speed and distance where there was one).
 */
import { writeFile } from 'node:fs/promises'
import { runCommand } from '@pulseline/config'
import { InfluxClient } from '@pulseline/influx'
import { openRegistry } from '@pulseline/registry'
import { encodeActivity } from '../fit/encode-fit.js'
import { activityTcx } from '../xml/write-tcx.js'
import { classActivity } from '../export-class.js'

const USAGE = `usage: npm run export -- --member <id> --session <class id> --out <file> [--format fit|tcx]

Writes the member's class as a FIT activity file (or TCX), for Strava, Garmin Connect or intervals.icu.

  --db <registry>    SQLite file or postgres:// URL (or PULSELINE_REGISTRY; default .data/registry.sqlite)
  --influx <url>     InfluxDB (or INFLUX_URL; default http://127.0.0.1:8086), credentials from INFLUX_USERNAME
                     and INFLUX_PASSWORD
  --database <db>    default "pulseline"`

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = {
    member: { type: 'string' },
    session: { type: 'string' },
    out: { type: 'string' },
    db: { type: 'string' },
    influx: { type: 'string' },
    database: { type: 'string', default: 'pulseline' },
    format: { type: 'string', default: 'fit' },
    help: { type: 'boolean' },
  } as const
  await runCommand('export', USAGE, { options }, async ({ values }) => {
    for (const key of ['member', 'session', 'out'] as const) if (!values[key]) throw new Error(`--${key} is required`)
    if (values.format !== 'fit' && values.format !== 'tcx') throw new Error(`--format is fit or tcx, not ${JSON.stringify(values.format)}`)
    const registry = await openRegistry(values.db ?? process.env.PULSELINE_REGISTRY ?? '.data/registry.sqlite')
    const influx = new InfluxClient({ url: values.influx ?? process.env.INFLUX_URL ?? 'http://127.0.0.1:8086', database: values.database, username: process.env.INFLUX_USERNAME || undefined, password: process.env.INFLUX_PASSWORD || undefined })
    try {
      const session = await registry.session(values.session!)
      if (!session) throw new Error(`no class ${values.session}`)
      const activity = await classActivity(influx, session, values.member!)
      await writeFile(values.out!, values.format === 'tcx' ? activityTcx(activity) : encodeActivity(activity))
      console.log(`${values.out}: ${activity.sport}, ${activity.records.length} records`)
    } finally {
      await Promise.all([registry.close(), influx.close()])
    }
  })
}
