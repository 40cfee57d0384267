/**
 * Grafana's alert rules against a real InfluxDB. Each scenario drives the services' real metric registries
 * (ingest's, analytics', and gateway health as ingest stores it) through 15 minutes in 10 s steps and writes
 * them with the real writer (`writeMetrics`, `gatewayHealthLines`) into a database of its own; then every
 * rule's queries run with Grafana's $timeFilter over the rule's window, and its reduce and math expressions
 * are evaluated as Grafana does (grafana-expressions.ts). Each fault must fire its own rule and no other; a
 * healthy class and a quiet night fire none. Not covered here: Grafana's `for` (one evaluation, at the end)
 * and Grafana itself (its server is not available on this machine).
 */
import { describe, expect, it } from 'vitest'
import { writeMetrics, type InfluxClient } from '@pulseline/influx'
import { gatewayHealthLines } from '@pulseline/ingest'
import { freshDatabase } from '../../test/setup/influx.js'
import { ALERTS } from '../src/alerts/alerts.js'
import { substitute } from '../src/macros.js'
import { evaluate, reduceSeries } from './grafana-expressions.js'
import { World } from './service-metrics.js'

const STEP_MS = 10_000
const HISTORY_MS = 15 * 60_000

interface Scenario {
  name: string
  fires: string[]
  /** Called at each step (`ago`: ms before the end); changes the world. Returns false to write nothing. */
  step(world: World, i: number, ago: number): boolean | void
}

const SCENARIOS: Scenario[] = [
  { name: 'a healthy class', fires: [], step: (w, i) => w.healthyStep(i) },
  {
    name: 'a quiet night: no samples, no tiles, nothing to alert on',
    fires: [],
    step: (w) => {
      w.tileAgeS += STEP_MS / 1000
    },
  },
  {
    name: 'dead letters two minutes ago',
    fires: ['PulselineDeadLetters'],
    step: (w, i, ago) => {
      w.healthyStep(i)
      if (ago === 120_000) w.ingest.deadLetters.inc(3)
    },
  },
  {
    name: 'the log backlog growing for eight minutes',
    fires: ['PulselineLogBacklogGrowing'],
    step: (w, i, ago) => {
      w.healthyStep(i)
      if (ago <= 8 * 60_000) w.log.backlogBytes = (8 * 60_000 - ago) * 50 + 300_000
    },
  },
  {
    name: 'no metrics reaching InfluxDB for three minutes',
    fires: ['PulselineInfluxUnreachable'],
    step: (w, i, ago) => {
      w.healthyStep(i)
      return ago > 3 * 60_000
    },
  },
  {
    name: '5% of PUBACKs taking 400 ms for ten minutes',
    fires: ['PulselinePubackSlow'],
    step: (w, i, ago) => {
      w.ingest.samples.inc(300)
      for (let k = 0; k < 100; k++) w.ingest.pubackSeconds.observe(ago <= 10 * 60_000 && k < 5 ? 0.4 : 0.003)
      w.log.backlogBytes = 0
    },
  },
  {
    name: "a gateway's outbox growing for eight minutes",
    fires: ['PulselineGatewayOutboxGrowing'],
    step: (w, i, ago) => {
      w.healthyStep(i)
      if (ago <= 8 * 60_000) w.outboxSamples = Math.round((8 * 60_000 - ago) / 100) + 200
    },
  },
  {
    name: 'analytics publishing no tiles for six minutes while samples arrive',
    fires: ['PulselineAnalyticsStalled'],
    step: (w, i, ago) => {
      w.healthyStep(i)
      if (ago <= 6 * 60_000) w.tileAgeS = (6 * 60_000 - ago) / 1000 + 1
    },
  },
  {
    name: "analytics' model thread gone for the last three minutes (every tick's run fails)",
    fires: ['PulselineAnalyticsModelFailing'],
    step: (w, i, ago) => {
      w.healthyStep(i)
      if (ago <= 3 * 60_000) w.engine.counters.modelFailed++
    },
  },
]

/** Runs a scenario into a fresh database; returns it and the end of its history. */
async function play(scenario: Scenario): Promise<{ influx: InfluxClient; endMs: number }> {
  const influx = await freshDatabase('alerts')
  const world = new World()
  const endMs = Math.floor(Date.now() / STEP_MS) * STEP_MS
  const lines: string[] = []
  const sink = { write: async (body: string) => void lines.push(body) }
  for (let i = 0, t = endMs - HISTORY_MS; t <= endMs; i++, t += STEP_MS) {
    if (scenario.step(world, i, endMs - t) === false) continue
    world.engine.lastTileMs = Date.now() - world.tileAgeS * 1000
    await writeMetrics(world.ingest.registry, sink, 'ingest', t)
    await writeMetrics(world.analytics, sink, 'analytics', t)
    lines.push(gatewayHealthLines({ id: 'gw-1', gym: 'gym-a' }, { at: t, outboxSamples: world.outboxSamples, outboxDroppedSamples: 0, connectedDevices: 4 }, t))
  }
  for (let i = 0; i < lines.length; i += 200) await influx.write(lines.slice(i, i + 200).join(''))
  return { influx, endMs }
}

async function firingRules(influx: InfluxClient, endMs: number): Promise<string[]> {
  const firing: string[] = []
  for (const alert of ALERTS) {
    const reduced: Record<string, Map<string, number>> = {}
    for (const q of alert.grafana.queries) {
      const query = substitute(q.influxql, { fromMs: endMs - q.windowS * 1000, toMs: endMs + 1 }, {})
      const [result] = await influx.query(query)
      expect(result?.error, `${alert.name} ${q.refId}: ${query}`).toBeUndefined()
      reduced[q.refId] = reduceSeries(result?.series ?? [], alert.grafana.reduce)
    }
    const verdict = evaluate(alert.grafana.condition, reduced)
    if (verdict === 'nodata' ? alert.grafana.noData === 'Alerting' : verdict.length > 0) firing.push(alert.name)
  }
  return firing
}

describe("Grafana's alert rules on a real InfluxDB", () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: ${scenario.fires.length ? `fires ${scenario.fires.join(', ')} only` : 'fires nothing'}`, async () => {
      const { influx, endMs } = await play(scenario)
      try {
        expect(await firingRules(influx, endMs)).toEqual(scenario.fires)
      } finally {
        await influx.close()
      }
    })
  }

  it('covers every rule with a scenario that fires it', () => {
    expect(new Set(SCENARIOS.flatMap((s) => s.fires))).toEqual(new Set(ALERTS.map((a) => a.name)))
  })
})
