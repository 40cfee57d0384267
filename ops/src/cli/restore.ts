/**
 * `npm run restore -- <backup dir> [--key <keyfile>] [--verify] [--config <file>]`
 */
import { runCommand } from '@pulseline/config'
import { PulselineError } from '@pulseline/protocol'
import { restore } from '../restore.js'
import { readKeyFile } from '../key.js'
import { loadInstallation } from './installation.js'

const USAGE = `usage: npm run restore -- <backup dir> [options]

Restores a backup made by npm run backup into an empty installation: InfluxDB must not have the database
yet, and the registry, identities file, log and dead-letter folders must not exist or be empty. Every file
is checked (size, SHA-256, and decryption for an encrypted backup) before anything is written: a tampered
or truncated backup is refused with the file and the reason, and nothing is restored.

  --key <file>        the key the backup was encrypted with (its id is in manifest.json)
  --verify            check the backup only; change nothing
  --config <file>     the target installation's layout as JSON (default: .data/installation.json if it exists)
  --help              this text`

const OPTIONS = {
  options: { key: { type: 'string' }, verify: { type: 'boolean', default: false }, config: { type: 'string' }, help: { type: 'boolean' } },
  allowPositionals: true,
} as const

await runCommand('restore', USAGE, OPTIONS, async ({ values, positionals }) => {
  if (positionals.length !== 1) throw new PulselineError('PL_CONFIG_INVALID', '<backup dir>', `give exactly one backup folder\n\n${USAGE}`)
  const key = values.key ? await readKeyFile(values.key) : undefined
  const started = Date.now()
  const result = await restore({ dir: positionals[0]!, installation: loadInstallation(values.config), key, verifyOnly: values.verify })
  const { manifest } = result
  if (values.verify) return void console.log(`restore: ${manifest.id} verified: ${manifest.parts.length} parts, every file intact; nothing changed`)
  console.log(
    `restore: ${manifest.id} restored in ${Date.now() - started} ms: InfluxDB database ${manifest.database} (consistent at ${manifest.consistentAt}), ` +
      `${result.logLines} unshipped log lines written, registry, ${result.deadLetters} dead letters`,
  )
})
