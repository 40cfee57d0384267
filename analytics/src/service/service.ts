/**
 * analytics as a service: subscribes to every device's samples in its gyms, runs the live engine, publishes
 * tiles and anomalies, writes derived series, and keeps the rollups up to date. It follows the registry's
 * change feed for assignments, profiles and sessions, and summarises each class when it ends.
 */
import { hostname } from 'node:os'
import mqtt, { type MqttClient } from 'mqtt'
import { startOperatorHttp } from '@pulseline/config'
import { InfluxClient, influxClientOptions, writeMetrics, writeMetricsEvery } from '@pulseline/influx'
import { analyticsMetrics } from './metrics.js'
import { allDeviceSamplesFilter } from '@pulseline/protocol'
import { MemberAttribution, openRegistry } from '@pulseline/registry'
import { LiveEngine } from '../live/live-engine.js'
import { ModelThread } from '../anomaly/model/model-thread.js'
import { SUPERVISION_DEFAULTS, SupervisedModel } from '../anomaly/model/supervised-model.js'
import { hrReadings, rollupDays, rollupMinutes, summarizeEndedSession } from './rollups.js'
import { ClassMailer, smtpTransport } from './class-mailer.js'
import { ImportedHistory } from './imported-history.js'
import { LineQueue } from './line-queue.js'
import { RegistryView } from './registry-view.js'
import type { AnalyticsOptions } from './options.js'
import { GymSplit } from '../cluster/gym-split.js'

export interface Logger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

const silent: Logger = { info: () => {}, warn: () => {} }

export interface AnalyticsService {
  engine: LiveEngine
  /** Writes the pipeline metrics to InfluxDB now (the timer does it every metricsToInfluxMs). */
  writeMetrics(): Promise<void>
  /** Port of /metrics and /healthz, when http.port is not -1. */
  httpPort: number | undefined
  lines: LineQueue
  backend: string | undefined
  /** Brings rollups and ended-session summaries up to date now (the timers do it periodically). */
  rollupNow(nowMs?: number): Promise<void>
  /** Recomputes the daily summaries and baselines now. */
  rollupDaysNow(nowMs?: number): Promise<unknown>
  close(): Promise<void>
}

export async function startAnalytics(options: AnalyticsOptions, logger: Logger = silent): Promise<AnalyticsService> {
  const registry = await openRegistry(options.registry.path)
  const influx = new InfluxClient(influxClientOptions(options.influx))
  const lines = new LineQueue(influx, options.influx.maxQueuedLines)
  const attribution = new MemberAttribution(registry)

  const view = await RegistryView.open(registry, options.live.hrMaxFormula)

  const model = options.live.model
    ? new SupervisedModel(await ModelThread.start(), () => ModelThread.start(), SUPERVISION_DEFAULTS, {
        restarted: (restarts) => logger.warn({ restarts }, 'anomaly model thread started again'),
        restartFailed: (err) => logger.warn({ err: err.message }, 'anomaly model thread could not be started again'),
      })
    : undefined
  const backend = model?.backend

  let client: MqttClient | undefined
  let droppedTiles = 0
  let lastModelError: string | undefined
  const engine = new LiveEngine({
    attribution,
    physiologyOf: view.physiologyOf,
    sessionAt: view.sessionAt,
    history: (member, from, to) => hrReadings(influx, member, from, to),
    onHrMaxRaised: (member, hrMax) => {
      // The live zones follow the raised HRmax either way; storing it in the profile is the operator's choice.
      if (!options.live.raiseHrMax) return
      void (async () => {
        const profile = (await registry.memberProfile(member)) ?? {}
        await registry.setMemberProfile(member, { ...profile, maxHr: hrMax, maxHrMeasured: true })
        await registry.audit('analytics', 'profile.hrmax_raised', member)
        logger.info({ member }, 'HRmax raised from sustained data') // the value is health data: never in a log line
      })().catch((err) => logger.warn({ err: (err as Error).message }, 'could not store a raised HRmax'))
    },
    onModelFailed: (err) => {
      // A dead model thread fails every tick the same way: logged when the reason changes, counted always.
      if (err.message === lastModelError) return
      lastModelError = err.message
      logger.warn({ err: err.message }, 'anomaly model run failed; the rules go on without it (PulselineAnalyticsModelFailing)')
    },
    sink: {
      publish: (topic, payload, qos) => {
        // Live tiles are QoS 0 and not queued while offline (queueQoSZero: false): a stale tile is worthless.
        if (!client?.connected && qos === 0) return void droppedTiles++
        client?.publish(topic, payload, { qos })
      },
      write: (line) => lines.push(line),
    },
    model,
    effortPointsPerMin: options.live.effortPointsPerMin,
  })

  const followChanges = () =>
    view.follow({
      devicesChanged: (devices) => attribution.invalidate(devices),
      // An erased member: nothing of theirs stays here, and nothing queued reaches InfluxDB after their erasure.
      erased: (member) => {
        engine.forgetMember(member)
        lines.forgetMember(member)
      },
      physiologyChanged: (member) => engine.refreshPhysiology(member),
      imported: (span) => importedHistory.add(span),
    })

  // Imported history (files/) is summarised over its span, one import at a time, behind the live work.
  const importedHistory = new ImportedHistory(influx, view.physiologyOf, (err) => logger.warn({ err: err.message }, 'summarising imported history failed'))
  const mailer = options.mail.url
    ? new ClassMailer({ transport: smtpTransport(options.mail.url), from: options.mail.from, registry, influx, timezoneOf: async (member) => (await view.physiologyOf(member)).timezone })
    : undefined
  // In a cluster every instance summarises every class (idempotent writes), but only the gym's owner mails.
  let ownsGym: (gym: string) => boolean = () => true
  const rollupNow = async (nowMs = Date.now()) => {
    await lines.flush()
    await rollupMinutes(influx, nowMs - options.rollups.lookbackMs, nowMs)
    for (const s of view.endedUnsummarized()) {
      await summarizeEndedSession(influx, s, view.physiologyOf, options.live.effortPointsPerMin)
      view.markSummarized(s.id)
      if (mailer && ownsGym(s.gymId)) {
        const sent = await mailer.sendFor(s)
        if (sent.sent + sent.failed > 0) logger.info({ session: s.id, ...sent }, 'after-class summaries mailed')
      }
    }
  }
  const rollupDaysNow = (nowMs = Date.now()) => rollupDays(influx, nowMs, options.rollups.dailyLookbackDays, view.physiologyOf)

  const metrics = analyticsMetrics(engine, lines, mailer, importedHistory, model)
  const metricsNow = () => writeMetrics(metrics, influx, 'analytics')

  const guard = (what: string, f: () => Promise<unknown>) => () => void f().catch((err) => logger.warn({ err: (err as Error).message }, `${what} failed`))
  const timers = [
    setInterval(guard('tick', () => engine.tick()), options.live.tickMs),
    setInterval(guard('flush', () => lines.flush()), options.influx.flushMs),
    setInterval(guard('registry feed', followChanges), options.registry.pollMs),
    setInterval(guard('rollup', () => rollupNow()), options.rollups.everyMs),
    setInterval(guard('daily rollup', () => rollupDaysNow()), options.rollups.dailyEveryMs),
  ]
  const metricsToInflux = writeMetricsEvery(metrics, influx, 'analytics', options.metricsToInfluxMs, (err) => logger.warn({ err: err.message }, 'pipeline metrics failed'))

  const http =
    options.http.port < 0 ? undefined : await startOperatorHttp(options.http.host, options.http.port, metrics, () => ({ broker: client?.connected ?? false, members: engine.activeMembers, queuedLines: lines.length }))

  const instance = options.cluster.instance || `${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`
  client = await mqtt.connectAsync(options.mqtt.url, {
    username: options.mqtt.username,
    password: options.mqtt.password,
    // `{username}@…` is the form ingest requires. A clean session: the broker keeps no queue for us (an
    // unbounded one, and one a client-id thief could drain); after a gap, state is rebuilt from InfluxDB.
    // Instances of a cluster need ids of their own, or each would disconnect the other.
    clientId: `${options.mqtt.username}@${options.cluster.redisUrl ? instance : options.mqtt.gyms.join('-').replace(/[^A-Za-z0-9_-]/g, 'all')}`,
    clean: true,
    queueQoSZero: false,
    reconnectPeriod: 1000,
  })
  client.on('message', (topic, payload) => void engine.handle(topic, payload).catch((err) => logger.warn({ err: (err as Error).message }, 'sample handling failed')))
  client.on('error', (err) => logger.warn({ err: err.message }, 'mqtt error'))
  const mqttClient = client
  const everyGym = options.mqtt.gyms.includes('+')
  const split = options.cluster.redisUrl
    ? new GymSplit(
        { redisUrl: options.cluster.redisUrl, instance, heartbeatMs: options.cluster.heartbeatMs, instanceTtlMs: options.cluster.instanceTtlMs },
        async () => (await registry.gyms()).map((g) => g.id).filter((g) => everyGym || options.mqtt.gyms.includes(g)),
        {
          async changed(gained, lost) {
            for (const gym of lost) {
              await mqttClient.unsubscribeAsync(allDeviceSamplesFilter(gym))
              engine.releaseGym(gym)
            }
            for (const gym of gained) {
              engine.takeGym(gym)
              await mqttClient.subscribeAsync(allDeviceSamplesFilter(gym), { qos: 1 })
            }
            logger.info({ instance, gained, lost }, 'gyms moved between analytics instances')
          },
          failed: (err) => logger.warn({ err: err.message }, 'cluster look failed; trying again'),
        },
      )
    : undefined
  if (split) ownsGym = (gym) => split.owned.has(gym)
  if (split) await split.start()
  else await client.subscribeAsync(options.mqtt.gyms.map((gym) => allDeviceSamplesFilter(gym)), { qos: 1 })
  logger.info({ backend, gyms: split ? [...split.owned] : options.mqtt.gyms }, 'analytics running')

  return {
    engine,
    lines,
    backend,
    writeMetrics: metricsNow,
    httpPort: http?.port,
    rollupNow,
    rollupDaysNow,
    async close() {
      // Leaving first: the other instances take this one's gyms at their next look.
      await split?.close()
      for (const t of timers) clearInterval(t)
      metricsToInflux.stop()
      await http?.close()
      await client?.endAsync()
      await model?.close()
      await lines.flush()
      await influx.close()
      await registry.close()
      logger.info({ droppedTiles, droppedLines: lines.dropped }, 'analytics stopped')
    },
  }
}
