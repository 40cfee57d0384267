/**
 * Cluster mode's log, when `cluster.natsUrls` names a NATS cluster: the node's JetStream stream instead of the
 * local log, and the adoption of dead nodes' streams. On a single node (the default) there is none of it.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import type { LogShipper } from '../shipper/log-shipper.js'
import type { IngestOptions } from '../options.js'
import { JetStreamLog } from './jetstream-log.js'
import { LogAdoption } from './log-adoption.js'
import { nodeName } from './node-name.js'

export interface ClusterLog {
  node: string
  log: JetStreamLog
  /** Starts shipping the logs of nodes that died; `ship` starts a shipper on one, `adopted` counts it. */
  adoptDeadLogs(ship: (log: JetStreamLog) => LogShipper, adopted?: (node: string) => void): Promise<void>
  close(): Promise<void>
}

export async function joinCluster(options: IngestOptions, logger: Logger): Promise<ClusterLog | undefined> {
  const cluster = options.cluster
  if (cluster.natsUrls.length === 0) return undefined
  const node = nodeName(cluster)
  // Reconnects for ever: appends wait (and PUBACKs with them) while no NATS server answers.
  const nc: NatsConnection = await connect({ servers: cluster.natsUrls, name: `ingest-${node}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 })
  const logOptions = { replicas: cluster.replicas, maxBytes: options.log.maxBytes, publishTimeoutMs: cluster.publishTimeoutMs }
  const log = await JetStreamLog.open(nc, { ...logOptions, node })
  let adoption: LogAdoption | undefined
  return {
    node,
    log,
    async adoptDeadLogs(ship, adopted) {
      adoption = await LogAdoption.start(
        nc,
        { node, heartbeatMs: cluster.heartbeatMs, nodeTtlMs: cluster.nodeTtlMs, replicas: cluster.replicas, log: logOptions },
        ship,
        {
          adopted: (dead) => {
            adopted?.(dead)
            logger.warn({ node: dead }, 'a node stopped beating: shipping its log')
          },
          shipped: (dead, ms) => logger.info({ node: dead, ms }, "a dead node's log is shipped"),
        },
        logger,
      )
    },
    async close() {
      await adoption?.close()
      await log.close()
      await nc.drain()
    },
  }
}
