/**
 * analytics' own counters, in prom-client like the other services, read from the engine at scrape time.
 * Lag is how far behind the live stream analytics runs: arrival time minus sample time of the readings
 * handled, smoothed over the last few seconds (a gateway's backlog replay shows as lag, as it should).
 */
import { Registry } from 'prom-client'
import { counterFrom, gaugeFrom } from '@pulseline/config'
import type { LiveEngine } from '../live/live-engine.js'
import type { LineQueue } from './line-queue.js'
import type { ClassMailer } from './class-mailer.js'
import type { ImportedHistory } from './imported-history.js'
import type { SupervisedModel } from '../anomaly/model/supervised-model.js'

export function analyticsMetrics(engine: LiveEngine, lines: LineQueue, mailer?: ClassMailer, imported?: ImportedHistory, model?: SupervisedModel): Registry {
  const registry = new Registry()
  const gauge = (name: string, help: string, read: () => number) => gaugeFrom(registry, name, help, read)
  const counter = (name: string, help: string, read: () => number) => counterFrom(registry, name, help, read)
  counter('pulseline_analytics_samples_total', 'samples handled', () => engine.counters.samples)
  counter('pulseline_analytics_invalid_total', 'samples refused as invalid', () => engine.counters.invalid)
  counter('pulseline_analytics_tiles_total', 'member tiles published', () => engine.counters.tiles)
  counter('pulseline_analytics_anomalies_total', 'anomalies raised', () => engine.counters.anomalies)
  counter('pulseline_analytics_failed_messages_total', 'messages skipped because a dependency failed (InfluxDB refusing a history query)', () => engine.counters.failed)
  counter('pulseline_analytics_model_skipped_total', 'ticks that skipped the anomaly model because its previous run had not finished', () => engine.counters.modelSkipped)
  counter('pulseline_analytics_model_failed_total', 'anomaly model runs that failed (its thread gone); the rules go on without it', () => engine.counters.modelFailed)
  counter('pulseline_analytics_model_restarts_total', 'anomaly model threads started again after one died (at most 5 in 10 minutes)', () => model?.restarts ?? 0)
  gauge('pulseline_analytics_lag_seconds', 'arrival minus sample time of recent readings (smoothed)', () => engine.lagMs / 1000)
  gauge('pulseline_analytics_last_tile_age_seconds', 'time since a live tile was last published (since start-up before the first)', () => (Date.now() - engine.lastTileMs) / 1000)
  gauge('pulseline_analytics_members', 'members with live state', () => engine.activeMembers)
  gauge('pulseline_analytics_queued_lines', 'derived lines waiting for InfluxDB', () => lines.length)
  counter('pulseline_analytics_dropped_lines_total', 'derived lines dropped while InfluxDB was away', () => lines.dropped)
  counter('pulseline_analytics_refused_lines_total', 'derived lines InfluxDB refused (400: a type conflict, say), dropped so that nothing queues behind them', () => lines.refused)
  counter('pulseline_analytics_summary_mails_total', 'after-class summaries sent to members who opted in', () => mailer?.counts.sent ?? 0)
  counter('pulseline_analytics_summary_mail_failures_total', 'after-class summaries the SMTP server did not take', () => mailer?.counts.failed ?? 0)
  counter('pulseline_analytics_imports_summarised_total', "members' imported histories summarised over their span", () => imported?.counts.summarised ?? 0)
  counter('pulseline_analytics_imports_dropped_total', 'imported histories not summarised because the queue was full', () => imported?.counts.dropped ?? 0)
  return registry
}
