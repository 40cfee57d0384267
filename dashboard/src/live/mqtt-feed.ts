/**
 * The dashboard's MQTT side: it logs in as the `dashboard` service (read-only ACL), subscribes to members'
 * tiles and alerts and to the gateways' nearby lists, and feeds the hub. TCP_NODELAY is on in MQTT.js by
 * default for this live path (ARCHITECTURE.md: Nagle adds ~10 ms at p50).
 */
import mqtt, { type MqttClient } from 'mqtt'
import type { LiveHub, NearbyList, TileLike } from './live-hub.js'

export interface MqttFeedOptions {
  url: string
  username: string
  password: string
  /** Gyms to follow; '+' for all. */
  gyms: string[]
}

export interface MqttFeed {
  client: MqttClient
  malformed: number
  close(): Promise<void>
}

export async function startMqttFeed(hub: LiveHub, options: MqttFeedOptions): Promise<MqttFeed> {
  const client = await mqtt.connectAsync(options.url, { username: options.username, password: options.password, reconnectPeriod: 1000, clientId: `dashboard-${process.pid}` })
  const feed: MqttFeed = { client, malformed: 0, close: () => client.endAsync() }
  client.on('message', (topic, payload) => {
    const parts = topic.split('/') // pulseline/{gym}/member/{member}/{stream} or pulseline/{gym}/gateway/{id}/nearby
    try {
      const body = JSON.parse(payload.toString())
      if (parts[2] === 'member' && parts[4] === 'live') hub.tile(body as TileLike)
      else if (parts[2] === 'member' && parts[4] === 'anomaly') hub.alert(parts[1]!, parts[3], body)
      else if (parts[2] === 'gateway' && parts[4] === 'nearby') hub.nearbyList(parts[1]!, { gateway: parts[3]!, at: body.at, devices: body.devices } as NearbyList)
    } catch {
      feed.malformed++
    }
  })
  const filters = options.gyms.flatMap((gym) => [`pulseline/${gym}/member/+/live`, `pulseline/${gym}/member/+/anomaly`, `pulseline/${gym}/gateway/+/nearby`])
  await client.subscribeAsync(filters, { qos: 0 })
  return feed
}
