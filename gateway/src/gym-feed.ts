/**
 * What the gateway hears from ingest about its gym: the registered BLE devices it should read (retained,
 * address → Pulseline id) and the erased members' intervals, whose samples are purged from the outbox.
 * Both are decoded against `protocol`; a malformed message is dropped and counted, and the last good
 * device list stays, so a bad message cannot make the gateway drop every device.
 */
import type { Logger } from 'pino'
import { decodeMessage, gymDevicesTopic, gymErasuresTopic } from '@pulseline/protocol'
import type { GatewayMetrics } from './metrics.js'
import type { Outbox } from './outbox/outbox.js'

export class GymFeed {
  constructor(
    private readonly gym: string,
    /** Devices from the options, which the registry's list never removes. */
    private readonly configured: ReadonlyArray<readonly [string, string]>,
    /** The devices to read, address → id: filled here, read by the central. */
    private readonly idOf: Map<string, string>,
    private readonly outbox: Outbox,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
  ) {}

  get topics(): string[] {
    return [gymDevicesTopic(this.gym), gymErasuresTopic(this.gym)]
  }

  readonly handle = (topic: string, payload: Buffer): void => {
    if (topic === gymErasuresTopic(this.gym)) return this.erasures(payload)
    if (topic === gymDevicesTopic(this.gym)) return this.deviceList(topic, payload)
  }

  private erasures(payload: Buffer): void {
    // Samples of erased members never leave this gateway: they are deleted from the outbox.
    const erased = decodeMessage('erasures', payload)
    if (!erased.ok) return void this.metrics.droppedMessages.inc({ kind: 'erasures', reason: erased.reason })
    let purged = 0
    for (const i of erased.value.intervals) purged += this.outbox.purge(i.device, i.fromMs, i.toMs)
    if (purged > 0) this.logger.info({ samples: purged }, "erased members' samples purged from the outbox")
  }

  private deviceList(topic: string, payload: Buffer): void {
    const list = decodeMessage('deviceList', payload)
    if (!list.ok) {
      this.metrics.droppedMessages.inc({ kind: 'deviceList', reason: list.reason })
      return this.logger.warn({ topic, code: 'PL_MESSAGE_INVALID', reason: list.reason }, 'device list dropped')
    }
    this.idOf.clear()
    for (const d of list.value.devices) this.idOf.set(d.address.toUpperCase(), d.id)
    for (const [address, id] of this.configured) this.idOf.set(address, id)
    this.logger.info({ devices: this.idOf.size }, 'device list from the registry')
  }
}
