/**
 * Where an installation keeps its state, for `npm run backup` and `npm run restore`: one schema, one defaults
 * object (the demo's layout under ./.data), overridden by PULSELINE_BACKUP_* variables and the command line.
 * The same options name the installation a backup is taken from and the empty one a restore fills.
 */
import { Type, type Static } from '@sinclair/typebox'
import { resolveOptions, type DeepPartial } from '@pulseline/config'

const strict = { additionalProperties: false } as const

export const InstallationSchema = Type.Object(
  {
    registry: Type.Object({ path: Type.String({ description: 'SQLite registry file' }) }, strict),
    identities: Type.Object({ file: Type.String({ description: "ingest's identities file (services' hashed secrets); empty when there is none" }) }, strict),
    log: Type.Object({ dir: Type.String({ description: "ingest's durable sample log directory" }) }, strict),
    deadLetters: Type.Object({ dir: Type.String({ description: "ingest's dead-letter store directory" }) }, strict),
    influx: Type.Object(
      {
        url: Type.String({ description: 'InfluxDB HTTP API, for checking the database and writing the log part back' }),
        rpc: Type.String({ description: "host:port of influxd's backup and restore service (its bind-address; never expose it beyond the host or a private network: it has no authentication)" }),
        database: Type.String({ description: 'the database backed up or restored' }),
        username: Type.String({ description: 'InfluxDB user (restore writes the log part with it)' }),
        password: Type.String({ description: 'its password' }),
        binary: Type.String({ description: 'path of influxd, which runs `influxd backup` and `influxd restore`; found on PATH when empty' }),
      },
      strict,
    ),
  },
  strict,
)

export type InstallationOptions = Static<typeof InstallationSchema>

export const INSTALLATION_DEFAULTS: InstallationOptions = {
  registry: { path: '.data/registry.sqlite' },
  identities: { file: '.data/demo/services.json' },
  log: { dir: '.data/ingest/log' },
  deadLetters: { dir: '.data/ingest/dead-letters' },
  influx: { url: 'http://127.0.0.1:8086', rpc: '127.0.0.1:8088', database: 'pulseline', username: '', password: '', binary: '' },
}

export function resolveInstallation(input: DeepPartial<InstallationOptions> | unknown = {}): InstallationOptions {
  return resolveOptions('installation', InstallationSchema, INSTALLATION_DEFAULTS, input)
}
