/**
 * Publishes the outbox to the broker: QoS 1, one v1 payload per device of up to `samplesPerMessage`
 * samples, rows deleted on PUBACK. It publishes only while connected, so MQTT.js never builds an offline
 * queue of its own; a message in flight when the connection drops stays in the outbox and is sent again.
 *
 * Live first: samples younger than `liveWindowMs` take the in-flight slots first; the backlog of an outage
 * fills what is left, oldest first, at no more than `backlogMessagesPerSecond`, so that draining an hour
 * of backlog never delays what a coach is watching now.
 */
import type { MqttClient } from 'mqtt'
import { deviceSamplesTopic, encodePayload, type Sample } from '@pulseline/protocol'
import type { Outbox, OutboxRow } from './outbox.js'

export interface PublisherOptions {
  gym: string
  samplesPerMessage: number
  maxInflightMessages: number
  liveWindowMs: number
  backlogMessagesPerSecond: number
  tickMs: number
}

export interface PublisherStats {
  messages: number
  samples: number
  liveMessages: number
  backlogMessages: number
}

export class Publisher {
  private readonly inflight = new Set<number>()
  private inflightMessages = 0
  private timer: NodeJS.Timeout | undefined
  private backlogTokens = 0
  private lastRefill = Date.now()
  readonly stats: PublisherStats = { messages: 0, samples: 0, liveMessages: 0, backlogMessages: 0 }

  constructor(
    private readonly outbox: Outbox,
    private readonly client: MqttClient,
    private readonly options: PublisherOptions,
  ) {
    client.on('close', () => {
      // Whatever was in flight is still in the outbox: forget it here and send it again on reconnect.
      this.inflight.clear()
      this.inflightMessages = 0
    })
    client.on('connect', () => this.pump())
    outbox.onCommitted = () => this.pump()
  }

  start(): void {
    this.timer = setInterval(() => this.pump(), this.options.tickMs)
  }

  stop(): void {
    clearInterval(this.timer)
  }

  get inFlight(): number {
    return this.inflightMessages
  }

  /** Sends what the in-flight window and the backlog rate allow. */
  pump(): void {
    if (!this.client.connected) return
    const now = Date.now()
    this.backlogTokens = Math.min(this.options.backlogMessagesPerSecond, this.backlogTokens + ((now - this.lastRefill) / 1000) * this.options.backlogMessagesPerSecond)
    this.lastRefill = now
    const liveSince = now - this.options.liveWindowMs
    let free = this.options.maxInflightMessages - this.inflightMessages
    if (free <= 0) return
    const live = this.messages(this.outbox.live(liveSince, free * this.options.samplesPerMessage, this.inflight))
    for (const m of live.slice(0, free)) this.send(m, 'live')
    free -= Math.min(free, live.length)
    const backlogAllowed = Math.min(free, Math.floor(this.backlogTokens))
    if (backlogAllowed <= 0) return
    const backlog = this.messages(this.outbox.backlog(liveSince, backlogAllowed * this.options.samplesPerMessage, this.inflight))
    for (const m of backlog.slice(0, backlogAllowed)) {
      this.backlogTokens--
      this.send(m, 'backlog')
    }
  }

  /** Groups rows into per-device messages, keeping each device's samples in order. */
  private messages(rows: OutboxRow[]): Array<{ device: string; ids: number[]; samples: Sample[] }> {
    const byDevice = new Map<string, { device: string; ids: number[]; samples: Sample[] }>()
    const out: Array<{ device: string; ids: number[]; samples: Sample[] }> = []
    for (const row of rows) {
      let m = byDevice.get(row.device)
      if (!m || m.samples.length >= this.options.samplesPerMessage) {
        m = { device: row.device, ids: [], samples: [] }
        byDevice.set(row.device, m)
        out.push(m)
      }
      m.ids.push(row.id)
      m.samples.push(row.sample)
    }
    return out
  }

  private send(message: { device: string; ids: number[]; samples: Sample[] }, lane: 'live' | 'backlog'): void {
    for (const id of message.ids) this.inflight.add(id)
    this.inflightMessages++
    this.client.publish(deviceSamplesTopic(this.options.gym, message.device), encodePayload(message.samples), { qos: 1 }, (err) => {
      if (!this.inflight.has(message.ids[0]!)) return // the connection dropped meanwhile; already counted out
      for (const id of message.ids) this.inflight.delete(id)
      this.inflightMessages--
      if (err) return // stays in the outbox; sent again
      this.outbox.remove(message.ids)
      this.stats.messages++
      this.stats.samples += message.samples.length
      if (lane === 'live') this.stats.liveMessages++
      else this.stats.backlogMessages++
      this.pump()
    })
  }
}
