/**
 * What the gateway tells the broker about itself, on timers: the devices it sees nearby (addresses, names
 * and signal for pairing, never readings) and its health (outbox depth, drops, connected devices), which
 * ingest stores for the operators' alerts, since no Prometheus reaches a gateway behind a gym's NAT.
 */
import type { MqttClient } from 'mqtt'
import { gatewayHealthTopic, gatewayTopicPrefix, type GatewayHealth, type NearbyList } from '@pulseline/protocol'
import type { Central } from './ble/central.js'
import type { Outbox } from './outbox/outbox.js'

export interface AnnouncementOptions {
  gym: string
  id: string
  scanIntervalMs: number
  /** 0: no health messages. */
  healthEveryMs: number
}

export function startAnnouncements(client: MqttClient, central: Central, outbox: Outbox, connectedDevices: () => number, options: AnnouncementOptions): { stop(): void } {
  const prefix = gatewayTopicPrefix(options.gym, options.id)
  const nearby = setInterval(() => {
    if (!client.connected) return
    const devices = [...central.nearby.values()]
      .filter((d) => Date.now() - d.lastSeenMs < 3 * options.scanIntervalMs)
      .slice(0, 256)
      .map((d) => ({ address: d.address, name: d.name?.slice(0, 64), rssi: d.rssi === undefined ? undefined : Math.max(-127, Math.min(20, Math.round(d.rssi))), services: d.services.slice(0, 32) }))
    const list: NearbyList = { at: Date.now(), devices }
    client.publish(`${prefix}/nearby`, JSON.stringify(list), { qos: 0 })
  }, options.scanIntervalMs)
  const health =
    options.healthEveryMs > 0
      ? setInterval(() => {
          if (!client.connected) return
          const message: GatewayHealth = { at: Date.now(), outboxSamples: outbox.depth, outboxDroppedSamples: outbox.dropped, connectedDevices: connectedDevices() }
          client.publish(gatewayHealthTopic(options.gym, options.id), JSON.stringify(message), { qos: 0 })
        }, options.healthEveryMs)
      : undefined
  return {
    stop() {
      clearInterval(nearby)
      clearInterval(health)
    },
  }
}
