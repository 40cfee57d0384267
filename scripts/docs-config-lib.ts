import { optionsReference } from '@pulseline/config'
import { INGEST_DEFAULTS, IngestOptionsSchema } from '@pulseline/ingest'
import { GATEWAY_DEFAULTS, GatewayOptionsSchema } from '@pulseline/gateway'
import { ANALYTICS_DEFAULTS, AnalyticsOptionsSchema } from '@pulseline/analytics'
import { DASHBOARD_DEFAULTS, DashboardOptionsSchema } from '@pulseline/dashboard'
import { INSTALLATION_DEFAULTS, InstallationSchema } from '@pulseline/ops'

/** The configuration reference as it belongs in the README. */
export function configReference(): string {
  return [
    '### ingest',
    '',
    'Options come from a JSON file (`--config FILE` or `PULSELINE_INGEST_CONFIG`) and from environment variables; the environment wins. Unknown keys are refused at start-up.',
    '',
    optionsReference('ingest', 'PULSELINE_INGEST', IngestOptionsSchema, INGEST_DEFAULTS),
    '',
    '### gateway',
    '',
    'Options come from a JSON file (`--config FILE` or `PULSELINE_GATEWAY_CONFIG`) and from environment variables. See [gateway/README.md](gateway/README.md) for real hardware.',
    '',
    optionsReference('gateway', 'PULSELINE_GATEWAY', GatewayOptionsSchema, GATEWAY_DEFAULTS),
    '',
    '### analytics',
    '',
    'Options come from a JSON file (`--config FILE` or `PULSELINE_ANALYTICS_CONFIG`) and from environment variables. See [analytics/README.md](analytics/README.md) for the formulas and the model.',
    '',
    optionsReference('analytics', 'PULSELINE_ANALYTICS', AnalyticsOptionsSchema, ANALYTICS_DEFAULTS),
    '',
    '### dashboard',
    '',
    'Options come from a JSON file (`--config FILE` or `PULSELINE_DASHBOARD_CONFIG`) and from environment variables.',
    '',
    optionsReference('dashboard', 'PULSELINE_DASHBOARD', DashboardOptionsSchema, DASHBOARD_DEFAULTS),
    '',
    '### backup and restore',
    '',
    "The installation `npm run backup` and `npm run restore` work on: a JSON file (`--config FILE`; the demo writes `.data/installation.json`) and environment variables, which win. See [Operations](#operations).",
    '',
    optionsReference('installation', 'PULSELINE_BACKUP', InstallationSchema, INSTALLATION_DEFAULTS),
  ].join('\n')
}
