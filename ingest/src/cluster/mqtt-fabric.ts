/**
 * Several ingest nodes as one MQTT broker (cluster mode, issue #12). Redis carries every message published on
 * any node to the subscribers on every other node (mqemitter-redis), and keeps what a device or consumer must
 * find again wherever it reconnects: subscriptions, retained messages (the gyms' device lists), and QoS 1
 * sessions with their queued and in-flight packets (aedes-persistence-redis). Both are Aedes' own cluster
 * backends. Samples are still written to the log of the node that acknowledged them, once; a delivery to
 * another node's subscriber is checked by that node's ACL, as every delivery is.
 */
import { Redis } from 'ioredis'
import MQEmitterRedis from 'mqemitter-redis'
import aedesPersistenceRedis from 'aedes-persistence-redis'
import type { AedesOptions } from 'aedes'
import type { IngestOptions } from '../options.js'
import { nodeName } from './node-name.js'

export interface MqttFabric {
  id: string
  mq: NonNullable<AedesOptions['mq']>
  persistence: NonNullable<AedesOptions['persistence']>
}

/** The shared backends, or undefined on a single node (Aedes' in-memory defaults). */
export function mqttFabric(options: IngestOptions['cluster']): MqttFabric | undefined {
  if (!options.redisUrl) return undefined
  const mq = MQEmitterRedis({ connectionString: options.redisUrl }) as unknown as MqttFabric['mq']
  const persistence = aedesPersistenceRedis({ conn: new Redis(options.redisUrl), maxSessionDelivery: options.maxSessionDelivery }) as MqttFabric['persistence']
  return { id: nodeName(options), mq, persistence }
}
