/**
 * The composition root of ingest: opens the log and the dead-letter store, starts the shipper to
 * InfluxDB, the broker and its listeners, and the HTTP side. Everything is passed in; nothing global.
 */
import type { AddressInfo } from 'node:net'
import { Aedes } from 'aedes'
import { pino, type Logger } from 'pino'
import { InfluxClient, influxClientOptions, writeMetricsEvery } from '@pulseline/influx'
import { MemberAttribution, type Registry } from '@pulseline/registry'
import { DurableLog } from './log/durable-log.js'
import type { SampleLog } from './log/sample-log.js'
import { joinCluster } from './cluster/join-cluster.js'
import { DeadLetterStore } from './dead-letters/dead-letter-store.js'
import { IngestMetrics } from './metrics.js'
import type { LogShipper } from './shipper/log-shipper.js'
import { startShipper } from './shipper/start-shipper.js'
import { SampleIntake } from './broker/sample-intake.js'
import { GatewayHealthIntake } from './broker/gateway-health.js'
import { BrokerAccess } from './broker/access.js'
import { listen } from './broker/listeners.js'
import { startHttp } from './http.js'
import { openIdentities } from './identity/identities.js'
import { mqttFabric } from './cluster/mqtt-fabric.js'
import { followRegistry, type RegistryFollower } from './identity/registry-follower.js'
import type { IdentityDirectory } from './identity/identity.js'
import { ErasureWorker } from './erasure/erasure-worker.js'
import type { IngestOptions } from './options.js'

export interface IngestService {
  mqttPort: number
  wsPort: number | undefined
  tlsPort: number | undefined
  httpPort: number
  metrics: IngestMetrics
  log: SampleLog
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
  const cluster = await joinCluster(options, logger)
  const log: SampleLog =
    cluster?.log ??
    (await DurableLog.open({
      dir: options.log.dir,
      segmentBytes: options.log.segmentBytes,
      maxBytes: options.log.maxBytes,
      maxPendingBytes: options.log.maxPendingBytes,
      maxRecordBytes: Math.max(options.mqtt.maxPayloadBytes * 8, 1024 * 1024), // line protocol is larger than its JSON
      whenFull: 'refuse',
      joinBytes: options.writer.batchBytes, // a record is then at most about one InfluxDB write
    }))
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
  const shipper = startShipper(log, influx, options.writer, metrics, deadLetters, logger)

  const identities = await openIdentities(options.identities, deps)
  const { registry } = identities
  const attribution = registry ? new MemberAttribution(registry) : undefined
  let follower: RegistryFollower | undefined
  const erasures = registry
    ? new ErasureWorker(registry, log, deadLetters, influx, options.erasure, {
        completed: (e, ms) => logger.info({ erasure: e.id, ms }, 'member erasure completed'),
        failed: (e, err) => logger.error({ erasure: e.id, error: err.message }, 'member erasure failed; it is retried at the next registry change or restart'),
        intervalsChanged: (byGym) => follower?.publishErasureLists(byGym),
        filtered: (lines) => metrics.erasedLines.inc(lines),
      })
    : undefined
  if (erasures) shipper.filter = erasures.filter
  await cluster?.adoptDeadLogs((dead) => {
    const adopted = startShipper(dead, influx, options.writer, metrics, deadLetters, logger)
    if (erasures) adopted.filter = erasures.filter
    return adopted
  }, () => metrics.adoptedLogs.inc())
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
  const access = new BrokerAccess(identities.directory, intake, new GatewayHealthIntake(log, deadLetters, metrics), deadLetters, metrics, (event, fields) => logger.info(fields, event), options.mqtt, erasures ? (device) => erasures.erasedDevice(device) : undefined)
  const broker = new Aedes({
    ...mqttFabric(options.cluster),
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
  if (identities.file) {
    identities.file.onRevoked = revoked(['device', 'gateway', 'service'])
    identities.file.watch((err) => logger.error({ error: err.message }, 'identities file not reloaded'))
  }
  if (identities.followed) {
    follower = followRegistry(identities.followed, registry!, options.identities, { broker, influx, log, attribution, erasures, revoked: revoked(['device', 'gateway']), logger })
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
      identities.stopWatching()
      await follower?.close()
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await listeners.close()
      await http.close()
      await shipper.stop()
      // Adopted logs' shippers write with the same client: they stop before it closes.
      await cluster?.close()
      await influx.close()
      await log.close()
      await deadLetters.close()
      await identities.close()
    },
  }
}
