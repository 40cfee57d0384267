/**
 * Tells each gym's gateways which device intervals belong to erased members (retained, on
 * `pulseline/{gym}/erasures`): a gateway deletes those samples from its outbox instead of sending them.
 * Device ids and times only: no member id leaves ingest.
 */
import type { Aedes } from 'aedes'
import { gymErasuresTopic, type ErasedIntervals } from '@pulseline/protocol'
import type { DeviceInterval } from '@pulseline/registry'

export async function publishErasures(broker: Aedes, byGym: Map<string, DeviceInterval[]>): Promise<void> {
  for (const [gym, intervals] of byGym) {
    const body: ErasedIntervals = { at: Date.now(), intervals: intervals.map((i) => ({ device: i.device, fromMs: Math.floor(i.fromMs), toMs: Math.floor(i.toMs) })) }
    await new Promise<void>((resolve, reject) =>
      broker.publish({ cmd: 'publish', topic: gymErasuresTopic(gym), payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: true, dup: false }, (err) => (err ? reject(err) : resolve())),
    )
  }
}
