/**
 * The dashboard's MQTT side: it logs in as the `dashboard` service (read-only ACL), subscribes to members'
 * tiles and alerts and to the gateways' nearby lists, and feeds the hub. TCP_NODELAY is on in MQTT.js by
 * default for this live path (ARCHITECTURE.md: Nagle adds ~10 ms at p50).
 *
 * Every message is decoded against its declaration in protocol/ and must agree with its topic: the gym
 * and member a tile is filed under come from the topic the broker authorised, and a payload naming others
 * is dropped. What is dropped is counted by kind and reason, never thrown.
 */
import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { TOPIC_ROOT, decodeMessage, isValidId } from '@pulseline/protocol'
import type { LiveHub } from './live-hub.js'

export interface MqttFeedOptions {
  url: string
  username: string
  password: string
  /** Gyms to follow; '+' for all. */
  gyms: string[]
}

export interface MqttFeed {
  client: MqttClient
  /** Messages dropped, by `kind:reason`. */
  dropped: Record<string, number>
  close(): Promise<void>
}

/** Routes one MQTT message to the hub; returns the reason it was dropped, or undefined. */
export function routeMessage(hub: LiveHub, topic: string, payload: Buffer | string): string | undefined {
  // pulseline/{gym}/member/{member}/{live|anomaly} or pulseline/{gym}/gateway/{id}/nearby
  const parts = topic.split('/')
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT || !isValidId(parts[1]!) || !isValidId(parts[3]!)) return 'topic:unknown'
  const [, gym, family, id, stream] = parts as [string, string, string, string, string]
  if (family === 'member' && stream === 'live') {
    const tile = decodeMessage('tile', payload)
    if (!tile.ok) return `tile:${tile.reason}`
    if (tile.value.gym !== gym || tile.value.member !== id) return 'tile:topic_mismatch'
    hub.tile(tile.value)
    return undefined
  }
  if (family === 'member' && stream === 'anomaly') {
    const event = decodeMessage('anomaly', payload)
    if (!event.ok) return `anomaly:${event.reason}`
    if (event.value.member !== id) return 'anomaly:topic_mismatch'
    hub.alert(gym, id, event.value)
    return undefined
  }
  if (family === 'gateway' && stream === 'nearby') {
    const list = decodeMessage('nearby', payload)
    if (!list.ok) return `nearby:${list.reason}`
    hub.nearbyList(gym, { gateway: id, ...list.value })
    return undefined
  }
  return 'topic:unknown'
}

export async function startMqttFeed(hub: LiveHub, options: MqttFeedOptions): Promise<MqttFeed> {
  // The client id carries the identity (`{username}@…`, which ingest requires) and a random part, so that
  // two dashboard instances, or a restarted one, never take each other's connection.
  const clientId = `${options.username}@${randomBytes(6).toString('hex')}`
  const client = await mqtt.connectAsync(options.url, { username: options.username, password: options.password, reconnectPeriod: 1000, clientId })
  const feed: MqttFeed = { client, dropped: {}, close: () => client.endAsync() }
  client.on('message', (topic, payload) => {
    const dropped = routeMessage(hub, topic, payload)
    if (dropped) feed.dropped[dropped] = (feed.dropped[dropped] ?? 0) + 1
  })
  const filters = options.gyms.flatMap((gym) => [`pulseline/${gym}/member/+/live`, `pulseline/${gym}/member/+/anomaly`, `pulseline/${gym}/gateway/+/nearby`])
  await client.subscribeAsync(filters, { qos: 0 })
  return feed
}
