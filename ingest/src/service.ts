/**
 * The composition root of ingest: opens the log and the dead-letter store, starts the shipper to
 * InfluxDB, the broker and its listeners, and the HTTP side. Everything is passed in; nothing global.
 */
import type { AddressInfo } from 'node:net'
import { Aedes } from 'aedes'
import { pino, type Logger } from 'pino'
import { InfluxClient, influxClientOptions, writeMetricsEvery } from '@pulseline/influx'
import { DurableLog } from './log/durable-log.js'
import { DeadLetterStore } from './dead-letters/dead-letter-store.js'
import { IngestMetrics } from './metrics.js'
import { LogShipper } from './shipper/log-shipper.js'
import { SampleIntake } from './broker/sample-intake.js'
import { GatewayHealthIntake } from './broker/gateway-health.js'
import { BrokerAccess } from './broker/access.js'
import { listen } from './broker/listeners.js'
import { startHttp } from './http.js'
import { existsSync } from 'node:fs'
import { SqliteRegistry, type Registry } from '@pulseline/registry'
import { FileIdentityDirectory } from './identity/file-directory.js'
import { RegistryDirectory } from './identity/registry-directory.js'
import { publishDeviceLists } from './identity/device-list-publisher.js'
import { MemberAttribution } from '@pulseline/registry'
import { Reattributor } from './identity/reattribution.js'
import type { IdentityDirectory } from './identity/identity.js'
import type { DeviceInterval } from '@pulseline/registry'
import { ErasureWorker } from './erasure/erasure-worker.js'
import { publishErasures } from './erasure/erasure-list-publisher.js'
import type { IngestOptions } from './options.js'

export interface IngestService {
  mqttPort: number
  wsPort: number | undefined
  tlsPort: number | undefined
  httpPort: number
  metrics: IngestMetrics
  log: DurableLog
  deadLetters: DeadLetterStore
  shipper: LogShipper
  broker: Aedes
  close(): Promise<void>
}

export interface IngestDependencies {
  /** Defaults to the registry, or the identities file, named in the options. */
  directory?: IdentityDirectory
  /** A registry to use instead of opening `identities.registry` (tests, or one shared in-process). */
  registry?: Registry
  logger?: Logger
}

export async function startIngest(options: IngestOptions, deps: IngestDependencies = {}): Promise<IngestService> {
  const logger = deps.logger ?? pino({ name: 'ingest', level: process.env.LOG_LEVEL ?? 'info' })
  const log = await DurableLog.open({
    dir: options.log.dir,
    segmentBytes: options.log.segmentBytes,
    maxBytes: options.log.maxBytes,
    maxPendingBytes: options.log.maxPendingBytes,
    maxRecordBytes: Math.max(options.mqtt.maxPayloadBytes * 8, 1024 * 1024), // line protocol is larger than its JSON
    whenFull: 'refuse',
  })
  if (log.stats.truncatedBytes > 0) {
    logger.warn({ code: 'PL_LOG_CORRUPT', bytes: log.stats.truncatedBytes }, 'truncated a torn record at the end of the log')
  }
  if (log.backlogBytes > 0) logger.info({ bytes: log.backlogBytes }, 'replaying log backlog into InfluxDB')
  const deadLetters = await DeadLetterStore.open(options.deadLetters)
  const metrics = new IngestMetrics(log, () => ({ disk: deadLetters.diskBytes, dropped: deadLetters.droppedBytes }))

  const influx = new InfluxClient(influxClientOptions(options.influx, { connections: options.writer.maxInFlight + 1 }))
  await influx.ensureDatabase().then(
    (result) => result === 'not-permitted' && logger.info({ database: options.influx.database }, 'no right to create the database: writing into it as the operator made it'),
    (err: Error) => logger.warn({ error: err.message }, 'InfluxDB not reachable yet; data waits in the log'),
  )
  const shipper = new LogShipper(log, influx, options.writer, {
    written(points, _bytes, seconds) {
      metrics.writtenPoints.inc(points)
      metrics.writeSeconds.observe(seconds)
      metrics.lastWrite.setToCurrentTime()
    },
    failed(err) {
      metrics.writeErrors.inc({ kind: err.kind, code: err.code })
      logger.warn({ code: err.code, kind: err.kind, status: err.status }, err.message)
    },
    dropped(body, err, points) {
      metrics.droppedPoints.inc(points)
      metrics.deadLetters.inc()
      deadLetters
        .put({ at: Date.now(), reason: err.code, detail: err.message }, body)
        .catch((e: Error) => logger.error({ error: e.message }, 'dead letter not stored'))
    },
  })
  shipper.start()

  const registry = deps.registry ?? (options.identities.registry ? SqliteRegistry.open(options.identities.registry) : undefined)
  const fileDirectory = existsSync(options.identities.file) ? await FileIdentityDirectory.load(options.identities.file) : undefined
  const registryDirectory = registry ? await RegistryDirectory.open(registry, fileDirectory) : undefined
  const directory = deps.directory ?? registryDirectory ?? fileDirectory
  if (!directory) throw new Error(`no identities: neither ${options.identities.file} nor a registry`)
  const attribution = registry ? new MemberAttribution(registry) : undefined
  let publishErasureLists: (byGym: Map<string, DeviceInterval[]>) => void = () => {}
  const erasures = registry
    ? new ErasureWorker(registry, log, deadLetters, influx, options.erasure, {
        completed: (e, ms) => logger.info({ erasure: e.id, ms }, 'member erasure completed'),
        failed: (e, err) => logger.error({ erasure: e.id, error: err.message }, 'member erasure failed; it is retried at the next registry change or restart'),
        intervalsChanged: (byGym) => publishErasureLists(byGym),
        filtered: (lines) => metrics.erasedLines.inc(lines),
      })
    : undefined
  if (erasures) shipper.filter = erasures.filter
  const intake = new SampleIntake(
    log,
    deadLetters,
    metrics,
    {
      maxPayloadBytes: options.mqtt.maxPayloadBytes,
      maxFutureMs: options.validation.maxFutureMs,
      maxPastMs: options.validation.maxPastMs,
      maxSamples: options.validation.maxSamples,
    },
    attribution,
    erasures ? (device, t) => erasures.erased(device, t) : undefined,
  )
  const access = new BrokerAccess(directory, intake, new GatewayHealthIntake(log, deadLetters, metrics), deadLetters, metrics, (event, fields) => logger.info(fields, event), options.mqtt, erasures ? (device) => erasures.erasedDevice(device) : undefined)
  const broker = new Aedes({
    authenticate: access.authenticate,
    authorizePublish: access.authorizePublish,
    authorizeSubscribe: access.authorizeSubscribe,
    authorizeForward: access.authorizeForward,
    // Ids such as BLE addresses plus a suffix exceed 3.1.1's suggested 23 characters.
    maxClientsIdLength: 128,
    keepaliveLimit: options.mqtt.keepaliveLimitS,
    connectTimeout: options.mqtt.connectTimeoutMs,
  })
  access.attach(broker)
  await broker.listen()
  broker.on('clientError', (client, err) => logger.debug({ client: client.id, error: err.message }, 'client error'))
  const revoked = (types: Array<'device' | 'gateway' | 'service'>) => (ids: string[]) =>
    logger.info({ ids, disconnected: access.disconnect(ids, types) }, 'credentials revoked or rotated')
  if (fileDirectory) {
    fileDirectory.onRevoked = revoked(['device', 'gateway', 'service'])
    fileDirectory.watch((err) => logger.error({ error: err.message }, 'identities file not reloaded'))
  }
  let reattributor: Reattributor | undefined
  if (registryDirectory) {
    registryDirectory.onRevoked = revoked(['device', 'gateway'])
    // Samples already written without a member, inside new assignments, move to the member.
    reattributor = new Reattributor(influx, log, (id) => registry!.assignments(id), options.identities.reattributeLookbackMs, {
      moved: (device, points) => logger.info({ device, points }, 'samples attributed to their member after the fact'),
      failed: (err) => logger.error({ error: err.message }, 'reattribution failed; it runs again at the next assignment change'),
    })
    registryDirectory.onAssignmentsChanged = (ids) => {
      attribution?.invalidate(ids)
      reattributor!.changed(ids)
    }
    const publishLists = () => void publishDeviceLists(broker, registry!).catch((err: Error) => logger.error({ error: err.message }, 'device lists not published'))
    registryDirectory.onDevicesChanged = publishLists
    publishLists()
    publishErasureLists = (byGym) => void publishErasures(broker, byGym).catch((err: Error) => logger.error({ error: err.message }, 'erasure lists not published'))
    const refreshErasures = () => void erasures!.refresh().catch((err: Error) => logger.error({ error: err.message }, 'erasures not read'))
    registryDirectory.onErasure = refreshErasures
    refreshErasures()
    registryDirectory.watch(options.identities.registryPollMs, (err) => logger.error({ error: err.message }, 'registry change feed not read'))
  }

  const listeners = await listen(broker, options.mqtt, (remote) => access.admit(remote), (info) => {
    metrics.rejected.inc({ reason: 'PL_PACKET_TOO_LARGE' })
    metrics.deadLetters.inc()
    logger.warn(info, 'oversize MQTT packet; connection closed')
    deadLetters
      .put({ at: Date.now(), reason: 'PL_PACKET_TOO_LARGE', remote: info.remote, detail: `${info.declaredBytes} > ${info.limitBytes} bytes` })
      .catch((e: Error) => logger.error({ error: e.message }, 'dead letter not stored'))
  })
  const http = await startHttp(options.http.host, options.http.port, metrics, () => ({
    accepting: !log.failed && log.diskBytes < options.log.maxBytes,
    influx: { reachable: shipper.influxReachable, lastError: shipper.influxReachable ? undefined : shipper.lastError },
    log: { backlogBytes: log.backlogBytes, diskBytes: log.diskBytes },
    clients: broker.connectedClients,
  }), deadLetters, { token: options.http.token, servePayloads: options.deadLetters.servePayloads })
  logger.info({ mqtt: listeners.port, ws: listeners.wsPort, tls: listeners.tlsPort, http: (http.server.address() as AddressInfo).port }, 'ingest listening')
  // Pipeline health for Grafana: the same counters as /metrics, into InfluxDB.
  const metricsToInflux = writeMetricsEvery(metrics.registry, influx, 'ingest', options.http.metricsToInfluxMs, (err) =>
    logger.debug({ error: err.message }, 'pipeline metrics not written'),
  )

  return {
    mqttPort: listeners.port,
    wsPort: listeners.wsPort,
    tlsPort: listeners.tlsPort,
    httpPort: (http.server.address() as AddressInfo).port,
    metrics,
    log,
    deadLetters,
    shipper,
    broker,
    async close() {
      erasures?.close()
      metricsToInflux.stop()
      fileDirectory?.close()
      registryDirectory?.close()
      await reattributor?.close()
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await listeners.close()
      await http.close()
      await shipper.stop()
      await influx.close()
      await log.close()
      await deadLetters.close()
      if (!deps.registry) await registry?.close()
    },
  }
}
