/**
 * The gateway's composition root: BLE central → decoders → per-device sampler → outbox (SQLite) →
 * publisher (MQTT QoS 1). Claims keep a device read by one gateway; gym-feed.ts follows the registered
 * devices and erasures; announcements.ts publishes the nearby list (pairing) and health (alerts).
 */
import mqtt, { type MqttClient } from 'mqtt'
import { pino, type Logger } from 'pino'
import { startOperatorHttp } from '@pulseline/config'
import type { Sample } from '@pulseline/protocol'
import { GymFeed } from './gym-feed.js'
import { startAnnouncements } from './announcements.js'
import { Central } from './ble/central.js'
import { Claims } from './claims.js'
import { GattDecodeError } from './gatt/byte-reader.js'
import { decodeCharacteristic } from './gatt/decode.js'
import { GatewayMetrics } from './metrics.js'
import { Outbox } from './outbox/outbox.js'
import { Publisher } from './outbox/publisher.js'
import { DeviceSampler } from './samples/device-sampler.js'
import type { GatewayOptions } from './options.js'

export interface GatewayService {
  /** Port of /metrics and /healthz, or undefined when turned off. */
  httpPort: number | undefined
  central: Central
  outbox: Outbox
  publisher: Publisher
  metrics: GatewayMetrics
  client: MqttClient
  close(): Promise<void>
}

export async function startGateway(options: GatewayOptions, deps: { logger?: Logger } = {}): Promise<GatewayService> {
  const logger = deps.logger ?? pino({ name: 'gateway', level: process.env.LOG_LEVEL ?? 'info' })
  // Devices to read: those in the options, plus the gym's registered devices that ingest publishes (retained).
  const configured = options.devices.map((d) => [d.address.toUpperCase(), d.id] as const)
  const idOf = new Map(configured)
  const samplers = new Map<string, DeviceSampler>()
  const outbox = new Outbox(options.outbox)
  const client = mqtt.connect(options.mqtt.url, {
    username: options.id,
    password: options.mqtt.password,
    clientId: `${options.id}@gateway`, // `{id}@…`: the form ingest requires
    reconnectPeriod: 1000,
    clean: true,
  })
  client.on('error', (err) => logger.warn({ error: err.message }, 'broker connection'))
  // Read at scrape and health time, after the central below exists.
  const connectedDevices = () => [...idOf.keys()].filter((a) => central.linkState(a) === 'connected').length
  const metrics = new GatewayMetrics({ outboxDepth: () => outbox.depth, dropped: () => outbox.dropped, connected: connectedDevices })
  const feed = new GymFeed(options.gym, configured, idOf, outbox, metrics, logger)
  client.subscribe(feed.topics, { qos: 1 })
  client.on('message', feed.handle)
  const publisher = new Publisher(outbox, client, {
    gym: options.gym,
    samplesPerMessage: options.mqtt.samplesPerMessage,
    maxInflightMessages: options.mqtt.maxInflightMessages,
    ...options.publish,
  })
  const claims = new Claims(client, options.gym, options.id, options.claims.ttlMs, (reason) => metrics.droppedMessages.inc({ kind: 'claim', reason }))

  const queue = (address: string, samples: Sample[]) => {
    const id = idOf.get(address)
    if (!id) return
    for (const s of samples) outbox.add(id, s)
    metrics.samples.inc(samples.length)
  }
  const sampler = (address: string) => {
    let s = samplers.get(address)
    if (!s) samplers.set(address, (s = new DeviceSampler(options.ble.wheelCircumferenceM)))
    return s
  }
  const central: Central = new Central(
    { ...options.ble },
    () => new Set([...idOf.keys()].filter((a) => !claims.heldElsewhere(a, central.linkState(a) !== undefined))),
    {
      notification(address, characteristic, value, receivedAt) {
        const label = `0x${characteristic.toString(16)}`
        metrics.notifications.inc({ characteristic: label })
        const s = sampler(address)
        try {
          const before = s.counters.droppedRr
          queue(address, s.toSamples(decodeCharacteristic(characteristic, value), s.stamp(receivedAt)))
          metrics.droppedRr.inc(s.counters.droppedRr - before)
        } catch (err) {
          if (!(err instanceof GattDecodeError)) throw err
          metrics.decodeErrors.inc({ characteristic: label })
          // The bytes are not logged: they may hold a heart rate, and logs carry ids, never health values.
          logger.warn({ device: idOf.get(address), characteristic: label, reason: err.reason, length: value.length }, 'undecodable notification')
        }
      },
      linkState(address, state, reason) {
        metrics.linkEvents.inc({ state })
        logger.info({ device: idOf.get(address), state, reason }, 'device link')
        const t = sampler(address).stamp(Date.now())
        if (state === 'connected') queue(address, [{ kind: 'status', t, link: 'connected' }])
        else if (state === 'reconnecting') queue(address, [{ kind: 'status', t, link: reason === 'link lost' ? 'dropout' : 'reconnecting' }])
      },
      adapterFull(address, adapters) {
        metrics.adapterFull.inc()
        logger.warn({ device: idOf.get(address), adapters }, 'every adapter that sees this device is at its connection limit')
      },
    },
  )
  await central.start()
  publisher.start()
  claims.start(options.claims.heartbeatMs, () => [...idOf.keys()].filter((a) => central.linkState(a) === 'connected'))

  // Let go of devices another gateway holds (a claim that arrived after we connected; lower id wins).
  const arbiter = setInterval(() => {
    for (const address of idOf.keys()) {
      if (central.linkState(address) !== undefined && claims.heldElsewhere(address, true)) {
        metrics.skippedClaimed.inc()
        void central.release(address)
      }
    }
  }, options.claims.heartbeatMs)
  const announcements = startAnnouncements(client, central, outbox, connectedDevices, { gym: options.gym, id: options.id, scanIntervalMs: options.ble.scanIntervalMs, healthEveryMs: options.healthEveryMs })

  // Prometheus text on /metrics; /healthz says whether the broker is reachable and how deep the outbox is.
  const http =
    options.http.port < 0 ? undefined : await startOperatorHttp(options.http.host, options.http.port, metrics.registry, () => ({ broker: client.connected, outbox: outbox.depth, dropped: outbox.dropped }))

  return {
    httpPort: http?.port,
    central,
    outbox,
    publisher,
    metrics,
    client,
    async close() {
      await http?.close()
      clearInterval(arbiter)
      announcements.stop()
      claims.stop()
      publisher.stop()
      await central.stop()
      await client.endAsync()
      outbox.close()
    },
  }
}
