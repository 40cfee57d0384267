/**
 * Runs a simulated gym over MQTT: one connection per device, authenticated as that device, publishing
 * v1 payloads with QoS 1 to its own samples topic. Simulated time runs `speedup` times faster than real
 * time, so an hour can be replayed in a minute.
 *
 * A message stays in the device's queue until its PUBACK arrives; if the connection drops first, it is
 * sent again after reconnecting. A sample is counted as delivered only when acknowledged, so the counts
 * are what an end-to-end test can demand of InfluxDB exactly. The queue per device is bounded by
 * `maxInflight` messages: simulated time waits rather than piling up messages.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { MEASUREMENT_OF_KIND, backoffDelay, deviceSamplesTopic, encodePayload, type Measurement, type Sample } from '@pulseline/protocol'
import type { GymPlan } from './gym.js'
import type { SimDevice } from './devices/device.js'

export interface RunnerOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  url: string
  plan: GymPlan
  /** Secret of each device id. */
  secrets: ReadonlyMap<string, string>
  /** Simulated time at the start, ms since epoch. */
  startMs: number
  /** Simulated duration (ms). */
  durationMs: number
  /** Simulated ms per real ms. */
  speedup: number
  /** Most samples per message (1 = one sample per message, like a bare sensor). */
  samplesPerMessage: number
  /** Messages a device may have unacknowledged before its simulated clock waits. */
  maxInflight: number
  /** Real ms between scheduler ticks. */
  tickMs: number
  /** Stops the run early. */
  signal?: AbortSignal
  /** Called for each acknowledged message. */
  onAck?: (device: SimDevice, samples: readonly Sample[]) => void
}

export const RUNNER_DEFAULTS = { speedup: 1, samplesPerMessage: 1, maxInflight: 64, tickMs: 50 } as const

export interface RunStats {
  /** Points acknowledged, per device and InfluxDB measurement (RR intervals are points of `rr`). */
  points: Map<string, Map<Measurement, number>>
  samples: number
  messages: number
  resent: number
  realMs: number
}

interface DeviceLink {
  device: SimDevice
  client: MqttClient
  topic: string
  inflight: number
  generatedUntil: number
}

export async function runGym(options: RunnerOptions): Promise<RunStats> {
  const stats: RunStats = { points: new Map(), samples: 0, messages: 0, resent: 0, realMs: 0 }
  const links = await Promise.all(options.plan.devices.map((device) => connect(options, device)))
  const realStart = Date.now()
  const endMs = options.startMs + options.durationMs

  const send = (link: DeviceLink, samples: Sample[]) => {
    link.inflight++
    let tries = 0
    const attempt = () =>
      link.client.publish(link.topic, encodePayload(samples), { qos: 1 }, (err) => {
        if (err) {
          // Not acknowledged (connection lost, or the broker refused): send again, backing off.
          stats.resent++
          setTimeout(attempt, backoffDelay(tries++, 200, 5000))
          return
        }
        link.inflight--
        stats.messages++
        stats.samples += samples.length
        count(stats, link.device.id, samples)
        options.onAck?.(link.device, samples)
      })
    attempt()
  }

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        try {
          if (options.signal?.aborted) {
            clearInterval(timer)
            return resolve()
          }
          const simNow = Math.min(endMs, options.startMs + (Date.now() - realStart) * options.speedup)
          let done = true
          for (const link of links) {
            if (link.inflight < options.maxInflight && link.generatedUntil < simNow) {
              const samples = link.device.samplesUntil(simNow)
              link.generatedUntil = simNow
              for (let i = 0; i < samples.length; i += options.samplesPerMessage) send(link, samples.slice(i, i + options.samplesPerMessage))
            }
            if (link.generatedUntil < endMs || link.inflight > 0) done = false
          }
          if (done) {
            clearInterval(timer)
            resolve()
          }
        } catch (err) {
          clearInterval(timer)
          reject(err)
        }
      }, options.tickMs)
    })
  } finally {
    stats.realMs = Date.now() - realStart
    await Promise.all(links.map((l) => l.client.endAsync(true)))
  }
  return stats
}

async function connect(options: RunnerOptions, device: SimDevice): Promise<DeviceLink> {
  const secret = options.secrets.get(device.id)
  if (secret === undefined) throw new Error(`no secret for device ${device.id}`)
  const client = await mqtt.connectAsync(options.url, {
    clientId: device.id, // a device's client id is its id (ingest binds client ids to identities)
    username: device.id,
    password: secret,
    reconnectPeriod: 200,
    connectTimeout: 5000,
    clean: true,
  })
  client.on('error', () => {}) // reconnects on its own; unacknowledged messages are resent above
  return { device, client, topic: deviceSamplesTopic(options.plan.gym, device.id), inflight: 0, generatedUntil: options.startMs }
}

function count(stats: RunStats, device: string, samples: readonly Sample[]): void {
  let perDevice = stats.points.get(device)
  if (!perDevice) stats.points.set(device, (perDevice = new Map()))
  for (const s of samples) {
    const m = MEASUREMENT_OF_KIND[s.kind]
    perDevice.set(m, (perDevice.get(m) ?? 0) + 1)
    if (s.kind === 'hr' && s.rr_ms?.length) perDevice.set('rr', (perDevice.get('rr') ?? 0) + s.rr_ms.length)
  }
}
