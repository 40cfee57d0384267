/**
 * The installation the backup and restore commands work on: defaults (the demo's ./.data layout), then the
 * JSON file `--config` names (the demo writes .data/installation.json), then PULSELINE_BACKUP_* variables
 * (passwords belong there, never on the command line).
 */
import { existsSync, readFileSync } from 'node:fs'
import { deepMerge, optionsFromEnv } from '@pulseline/config'
import { InstallationSchema, resolveInstallation, type InstallationOptions } from '../options.js'

export const DEFAULT_CONFIG = '.data/installation.json'

export function loadInstallation(configPath: string | undefined): InstallationOptions {
  const path = configPath ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined)
  const file = path ? (JSON.parse(readFileSync(path, 'utf8')) as unknown) : {}
  return resolveInstallation(deepMerge(file, optionsFromEnv('PULSELINE_BACKUP', InstallationSchema)))
}
