/** The generated alert files, as text: what `npm run grafana:build` writes and the test compares. */
import { stringify } from 'yaml'
import { grafanaAlertProvisioning } from './grafana-rules.js'
import { prometheusRules } from './prometheus-rules.js'

export * from './alerts.js'
export { runbook } from './runbook.js'

const HEADER = '# Generated from grafana/src/alerts/alerts.ts by `npm run grafana:build` (a test fails when stale): change the code, not this file.\n'

export function grafanaAlertsYaml(): string {
  return HEADER + stringify(grafanaAlertProvisioning(), { lineWidth: 0, aliasDuplicateObjects: false })
}

export function prometheusRulesYaml(): string {
  return HEADER + stringify(prometheusRules(), { lineWidth: 0, aliasDuplicateObjects: false })
}

export const ALERT_FILES = {
  'provisioning/alerting/pulseline.yaml': grafanaAlertsYaml,
  'prometheus/pulseline.rules.yml': prometheusRulesYaml,
} as const
