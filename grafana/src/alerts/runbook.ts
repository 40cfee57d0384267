/** The README's alert runbook, from ALERTS: what each alert means and what to do. */
import { ALERTS, SERVICE_DOWN } from './alerts.js'

export function runbook(): string {
  return [...ALERTS, SERVICE_DOWN]
    .map((a) => [`#### ${a.name}`, '', `**${a.title}** (${a.severity}${a.for === '0s' ? '' : `, for ${a.for}`}). ${a.meaning[0]!.toUpperCase()}${a.meaning.slice(1)}`, '', `*What to do:* ${a.action}`].join('\n'))
    .join('\n\n')
}
