/**
 * A gateway's health messages (protocol GatewayHealth), stored as `pipeline` points under the gateway's own
 * Prometheus metric names, with `service=gateway`, its id and gym as tags, timestamped by ingest's clock (a
 * gateway's clock may be wrong). They go through the durable log like samples. A malformed one is
 * dead-lettered and acknowledged; more than one per gateway per `minIntervalMs` is acknowledged and dropped
 * (counted), so a gateway cannot turn health into a flood of points.
 */
import type { PublishPacket } from 'aedes'
import { GATEWAY_HEALTH_METRICS, decodeMessage, pointLine, type GatewayHealth } from '@pulseline/protocol'
import type { SampleLog } from '../log/sample-log.js'
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js'
import type { IngestMetrics } from '../metrics.js'

export interface GatewayRef {
  id: string
  gym: string
}

export function gatewayHealthLines(gateway: GatewayRef, health: GatewayHealth, nowMs: number): string {
  let lines = ''
  for (const [field, metric] of Object.entries(GATEWAY_HEALTH_METRICS) as Array<[keyof typeof GATEWAY_HEALTH_METRICS, string]>) {
    lines += pointLine('pipeline', { gateway: gateway.id, gym: gateway.gym, metric, service: 'gateway' }, { value: health[field] }, nowMs)
  }
  return lines
}

export class GatewayHealthIntake {
  private readonly lastStored = new Map<string, number>()

  constructor(
    private readonly log: SampleLog,
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: IngestMetrics,
    private readonly minIntervalMs = 5000,
  ) {}

  async accept(gateway: GatewayRef, clientId: string, packet: PublishPacket): Promise<void> {
    const now = Date.now()
    const decoded = decodeMessage('gatewayHealth', packet.payload)
    if (!decoded.ok) {
      this.metrics.rejected.inc({ reason: 'PL_MESSAGE_INVALID' })
      this.metrics.deadLetters.inc()
      return this.deadLetters.put({ at: now, reason: 'PL_MESSAGE_INVALID', client: clientId, topic: packet.topic, detail: `gateway health ${decoded.reason}: ${decoded.detail}` }, packet.payload)
    }
    const key = `${gateway.gym}/${gateway.id}`
    if (now - (this.lastStored.get(key) ?? -Infinity) < this.minIntervalMs) return void this.metrics.droppedHealth.inc()
    this.lastStored.set(key, now)
    await this.log.append(Buffer.from(gatewayHealthLines(gateway, decoded.value, now)))
  }
}
