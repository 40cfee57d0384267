/**
 * Prometheus metrics whose value lives elsewhere (a log's backlog, an engine's counters) and is read at
 * scrape time: one helper for every service, instead of a `collect` closure written out in each.
 */
import { Counter, Gauge, type Registry } from 'prom-client'

/** A gauge that reads `read()` at every scrape. */
export function gaugeFrom(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read())
    },
  })
}

/** A counter kept elsewhere as a running total, read at every scrape (a `_total` name, exposed as a counter). */
export function counterFrom(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset()
      this.inc(read())
    },
  })
}
