/**
 * `npm run backup -- --out <dir> [--encrypt <keyfile>] [--keep <n>] [--every <hours>] [--config <file>]`
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { runCommand } from '@pulseline/config'
import { PulselineError } from '@pulseline/protocol'
import { backup } from '../backup.js'
import { readKeyFile } from '../key.js'
import { pruneBackups } from '../retention.js'
import { loadInstallation } from './installation.js'

const USAGE = `usage: npm run backup -- --out <dir> [options]

Takes a consistent online backup of Pulseline into a new folder <dir>/pulseline-<UTC time>: the registry,
ingest's identities file, what ingest's log holds that InfluxDB has not yet, InfluxDB (influxd backup
-portable, over its RPC port) and the dead letters, with a manifest of checksums.

  --out <dir>         the folder that holds the backups (required)
  --encrypt <file>    encrypt every file with the 32-byte key in <file> (openssl rand -hex 32 > key);
                      keep the key away from the backups: without it they cannot be restored
  --keep <n>          after the backup, delete all but the newest <n> backups in <dir>
  --every <hours>     stay running and take a backup every <hours> (the compose service does this)
  --config <file>     the installation's layout as JSON (default: ${'.data/installation.json'} if it exists)
  --help              this text

Installation options can also come from PULSELINE_BACKUP_* variables (README, Operations).`

const OPTIONS = {
  options: { out: { type: 'string' }, encrypt: { type: 'string' }, keep: { type: 'string' }, every: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean' } },
} as const

await runCommand('backup', USAGE, OPTIONS, async ({ values }) => {
  if (!values.out) throw new PulselineError('PL_CONFIG_INVALID', '--out', `the folder for backups is required\n\n${USAGE}`)
  const keep = values.keep === undefined ? undefined : positiveNumber('--keep', values.keep)
  const everyHours = values.every === undefined ? undefined : positiveNumber('--every', values.every)
  const installation = loadInstallation(values.config)
  const key = values.encrypt ? await readKeyFile(values.encrypt) : undefined
  for (;;) {
    const started = Date.now()
    const { dir, manifest } = await backup({ installation, out: values.out, key })
    const counts = manifest.parts.map((p) => `${p.name} ${p.files.length} file${p.files.length === 1 ? '' : 's'}`).join(', ')
    console.log(`backup: ${dir} (${counts}; consistent at ${manifest.consistentAt}; ${key ? `encrypted with key ${key.id}` : 'not encrypted'}; ${Date.now() - started} ms)`)
    if (keep !== undefined) for (const gone of await pruneBackups(values.out, keep)) console.log(`backup: deleted ${gone} (keeping ${keep})`)
    if (everyHours === undefined) return
    await sleep(Math.max(0, started + everyHours * 3_600_000 - Date.now()))
  }
})

function positiveNumber(flag: string, text: string): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0) throw new PulselineError('PL_CONFIG_INVALID', flag, `expected a positive number, got ${JSON.stringify(text)}`)
  return n
}
