/** ALERTS as a Prometheus rule file (grafana/prometheus/pulseline.rules.yml), checked by `promtool`. */
import { ALERTS, SERVICE_DOWN } from './alerts.js'

export function prometheusRules(): Record<string, unknown> {
  return {
    groups: [
      {
        name: 'pulseline',
        rules: [...ALERTS, SERVICE_DOWN].map((a) => ({
          alert: a.name,
          expr: a.prometheus,
          ...(a.for === '0s' ? {} : { for: a.for }),
          labels: { severity: a.severity },
          // Short, so promtool tests can state them: what the alert means and what to do is in the README runbook.
          annotations: { summary: a.title, runbook: `README.md, Operations: ${a.name}` },
        })),
      },
    ],
  }
}
