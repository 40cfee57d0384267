/**
 * Gateways learn which BLE devices to read from the registry, through the broker: ingest publishes each
 * gym's registered devices (address → id) as a retained message on `pulseline/{gym}/devices`, at start and
 * whenever the registry's device list changes (a member claims a strap, an admin adds a machine). A gateway
 * subscribes to its own gym's list; it never needs the registry itself.
 */
import type { Aedes } from 'aedes'
import { BLE_ADDRESS_PATTERN, gymDevicesTopic, type GymDeviceList } from '@pulseline/protocol'
import type { Registry } from '@pulseline/registry'

export async function publishDeviceLists(broker: Aedes, registry: Registry): Promise<number> {
  let published = 0
  for (const gym of await registry.gyms()) {
    // Only what a gateway can read: devices with a BLE address (a serial-only watch reaches ingest by itself).
    const devices = (await registry.devicesOfGym(gym.id))
      .filter((d) => d.address !== null && BLE_ADDRESS_PATTERN.test(d.address) && d.kind !== 'gateway')
      .map((d) => ({ id: d.id, address: d.address!, kind: d.kind }))
    const body: GymDeviceList = { at: Date.now(), devices }
    await new Promise<void>((resolve, reject) =>
      broker.publish({ cmd: 'publish', topic: gymDevicesTopic(gym.id), payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: true, dup: false }, (err) => (err ? reject(err) : resolve())),
    )
    published++
  }
  return published
}
