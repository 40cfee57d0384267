/**
 * analytics' own counters, in prom-client like the other services, read from the engine at scrape time.
 * Lag is how far behind the live stream analytics runs: arrival time minus sample time of the readings
 * handled, smoothed over the last few seconds (a gateway's backlog replay shows as lag, as it should).
 */
import { Gauge, Registry } from 'prom-client'
import type { LiveEngine } from '../live/live-engine.js'
import type { LineQueue } from './line-queue.js'

export function analyticsMetrics(engine: LiveEngine, lines: LineQueue): Registry {
  const registry = new Registry()
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read())
      },
    })
  gauge('pulseline_analytics_samples_total', 'samples handled', () => engine.counters.samples)
  gauge('pulseline_analytics_invalid_total', 'samples refused as invalid', () => engine.counters.invalid)
  gauge('pulseline_analytics_tiles_total', 'member tiles published', () => engine.counters.tiles)
  gauge('pulseline_analytics_anomalies_total', 'anomalies raised', () => engine.counters.anomalies)
  gauge('pulseline_analytics_lag_seconds', 'arrival minus sample time of recent readings (smoothed)', () => engine.lagMs / 1000)
  gauge('pulseline_analytics_last_tile_age_seconds', 'time since a live tile was last published (since start-up before the first)', () => (Date.now() - engine.lastTileMs) / 1000)
  gauge('pulseline_analytics_members', 'members with live state', () => engine.activeMembers)
  gauge('pulseline_analytics_queued_lines', 'derived lines waiting for InfluxDB', () => lines.length)
  gauge('pulseline_analytics_dropped_lines_total', 'derived lines dropped while InfluxDB was away', () => lines.dropped)
  gauge('pulseline_analytics_refused_lines_total', 'derived lines InfluxDB refused (400: a type conflict, say), dropped so that nothing queues behind them', () => lines.refused)
  return registry
}
