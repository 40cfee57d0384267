/**
 * Drives emulated BLE devices from a simulated gym: each tick, every device's due samples are encoded as
 * the GATT bytes its profile defines and notified through one or more BlueZ emulators (a device in range
 * of two gateways is on two buses). Counts what it notified, so tests can demand exact totals.
 */
import type { Sample } from '@pulseline/protocol'
import type { GymPlan } from '../gym.js'
import type { SimDevice } from '../devices/device.js'
import { encodeBatteryLevel } from '../gatt/heart-rate.js'
import { equipmentBytes, heartRateBytes } from '../gatt/from-samples.js'
import type { BluezEmulator, EmulatedDeviceSpec } from './emulator.js'
import { SERVICE } from './uuids.js'

const FTMS_DATA: Record<string, number> = { bike: 0x2ad2, treadmill: 0x2acd, rower: 0x2ad1 }

/** The BLE address of the i-th simulated device (locally administered, so never a real vendor's). */
export function simAddress(index: number): string {
  return `C2:00:00:00:${((index >> 8) & 0xff).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`.toUpperCase()
}

/** What a simulated device advertises and serves over GATT. */
export function bleSpec(device: SimDevice, address: string): EmulatedDeviceSpec {
  const battery = { uuid: SERVICE.battery, characteristics: [{ uuid: 0x2a19, flags: ['read', 'notify'] }] }
  if (device.kind === 'strap' || device.kind === 'watch') {
    return { address, name: `${device.kind === 'strap' ? 'HRM' : 'Watch'} ${device.id}`, rssi: -55, services: [{ uuid: SERVICE.heartRate, characteristics: [{ uuid: 0x2a37, flags: ['notify'] }] }, battery] }
  }
  return { address, name: `${device.kind} ${device.id}`, rssi: -65, services: [{ uuid: SERVICE.fitnessMachine, characteristics: [{ uuid: FTMS_DATA[device.kind]!, flags: ['notify'] }] }] }
}

export interface NotifiedCounts {
  /** Notifications that reached at least one connected, subscribed central, per device id. */
  byDevice: Map<string, number>
  /** Those of them that were heart-rate measurements, with their samples, in order. */
  hr: Map<string, Sample[]>
}

export class BleGymDriver {
  readonly addresses = new Map<string, string>()
  readonly notified: NotifiedCounts = { byDevice: new Map(), hr: new Map() }
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly emulators: Array<{ emulator: BluezEmulator; adapter: string }>,
    private readonly plan: GymPlan,
  ) {
    plan.devices.forEach((d, i) => {
      const address = simAddress(i + 1)
      this.addresses.set(d.id, address)
      for (const { emulator, adapter } of emulators) emulator.addDevice(adapter, bleSpec(d, address))
    })
  }

  /** Notifies every `tickMs` whatever each device has produced up to now (real time). */
  start(tickMs = 100): void {
    this.timer = setInterval(() => this.tick(Date.now()), tickMs)
  }

  stop(): void {
    clearInterval(this.timer)
  }

  tick(untilMs: number): void {
    for (const device of this.plan.devices) {
      const address = this.addresses.get(device.id)!
      for (const sample of device.samplesUntil(untilMs)) {
        const bytes = this.bytesOf(sample)
        if (!bytes) continue
        let delivered = 0
        for (const { emulator } of this.emulators) delivered += emulator.notify(address, bytes.uuid, bytes.value)
        if (delivered === 0) continue
        this.notified.byDevice.set(device.id, (this.notified.byDevice.get(device.id) ?? 0) + 1)
        if (sample.kind === 'hr') {
          if (!this.notified.hr.has(device.id)) this.notified.hr.set(device.id, [])
          this.notified.hr.get(device.id)!.push(sample)
        }
      }
    }
  }

  private bytesOf(sample: Sample): { uuid: number; value: Buffer } | undefined {
    switch (sample.kind) {
      case 'hr':
        return { uuid: 0x2a37, value: heartRateBytes(sample) }
      case 'equipment':
        return equipmentBytes(sample)
      case 'status':
        return sample.battery_pct === undefined ? undefined : { uuid: 0x2a19, value: encodeBatteryLevel(sample.battery_pct) }
      default:
        return undefined // steps and sleep have no standard GATT characteristic here
    }
  }
}
