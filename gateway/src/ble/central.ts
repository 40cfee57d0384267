/**
 * The BLE central: scans every adapter, reports what it sees nearby (for pairing), connects to the
 * devices it is configured to read, and spreads them over the adapters within each adapter's connection
 * limit. When no adapter that sees a device has a free slot, it says so (`onAdapterFull`) rather than
 * letting BlueZ fail connections one by one.
 */
import { createBluetooth, type Adapter, type Bluetooth } from 'node-ble'
import type { MessageBus } from 'dbus-next'
import { DATA_SERVICES } from './profiles.js'
import { DeviceLink, type LinkOptions, type LinkState } from './device-link.js'
import { shortUuid } from '../gatt/decode.js'

export interface NearbyDevice {
  address: string
  name: string | undefined
  rssi: number | undefined
  /** 16-bit UUIDs of the advertised services Pulseline reads. */
  services: number[]
  adapters: string[]
  lastSeenMs: number
  /** When name, RSSI and services were last read over D-Bus. */
  propsReadMs: number
}

/** Device properties are re-read this often (ms); reading 50 devices' properties every scan cost more CPU than the data. */
const PROPS_REFRESH_MS = 10_000

export interface CentralOptions extends LinkOptions {
  /** Adapters to use (hci0, hci1, ...); empty means every adapter BlueZ has. */
  adapters: string[]
  maxConnectionsPerAdapter: number
  scanIntervalMs: number
}

export interface CentralEvents {
  notification(address: string, characteristic: number, value: Buffer, receivedAt: number): void
  linkState(address: string, state: LinkState, reason: string | undefined): void
  adapterFull(address: string, adapters: string[]): void
}

export class Central {
  private bluetooth!: Bluetooth
  private destroyBus!: () => void
  private readonly adapters = new Map<string, Adapter>()
  private readonly links = new Map<string, DeviceLink>()
  readonly nearby = new Map<string, NearbyDevice>()
  private timer: NodeJS.Timeout | undefined
  private scanning = false
  private readonly fullReported = new Set<string>()

  constructor(
    private readonly options: CentralOptions,
    /** Addresses of the devices to connect to; a function so the set can change at run time. */
    private readonly wanted: () => ReadonlySet<string>,
    private readonly events: CentralEvents,
  ) {}

  async start(): Promise<void> {
    const { bluetooth, destroy } = createBluetooth()
    this.bluetooth = bluetooth
    this.destroyBus = destroy
    const names = this.options.adapters.length > 0 ? this.options.adapters : await bluetooth.adapters()
    for (const name of names) {
      const adapter = await bluetooth.getAdapter(name)
      if (!(await adapter.isDiscovering())) await adapter.startDiscovery()
      this.adapters.set(name, adapter)
    }
    await this.scan()
    this.timer = setInterval(() => void this.scan(), this.options.scanIntervalMs)
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await Promise.all([...this.links.values()].map((l) => l.stop()))
    this.links.clear()
    this.destroyBus?.()
  }

  connectedOn(adapter: string): number {
    return [...this.links.values()].filter((l) => l.adapterName === adapter && l.state !== 'stopped').length
  }

  linkState(address: string): LinkState | undefined {
    return this.links.get(address)?.state
  }

  /** Drops the link to a device this gateway should no longer read (another gateway claimed it). */
  async release(address: string): Promise<void> {
    const link = this.links.get(address)
    this.links.delete(address)
    await link?.stop()
  }

  /** One discovery pass: refresh `nearby`, then connect wanted devices that have no link yet. */
  async scan(): Promise<void> {
    if (this.scanning) return
    this.scanning = true
    try {
      const now = Date.now()
      for (const [name, adapter] of this.adapters) {
        for (const address of await adapter.devices()) {
          const known = this.nearby.get(address)
          if (known && known.adapters.includes(name) && now - known.propsReadMs < PROPS_REFRESH_MS) {
            known.lastSeenMs = now // still listed by BlueZ; its name and services do not change
            continue
          }
          const props = await this.deviceProps(name, address).catch(() => undefined)
          if (!props) continue
          const entry = known ?? { address, name: undefined, rssi: undefined, services: [], adapters: [], lastSeenMs: 0, propsReadMs: 0 }
          entry.propsReadMs = now
          entry.name = props.name
          entry.rssi = props.rssi
          entry.services = props.services.filter((s) => DATA_SERVICES.includes(s) || s === 0x180f)
          if (!entry.adapters.includes(name)) entry.adapters.push(name)
          entry.lastSeenMs = now
          this.nearby.set(address, entry)
        }
      }
      for (const address of this.wanted()) {
        if (this.links.has(address)) continue
        const seen = this.nearby.get(address)
        if (!seen) continue
        const adapter = this.pickAdapter(seen.adapters)
        if (!adapter) {
          if (!this.fullReported.has(address)) this.events.adapterFull(address, seen.adapters)
          this.fullReported.add(address)
          continue
        }
        this.fullReported.delete(address)
        const link = new DeviceLink(address, adapter, this.adapters.get(adapter)!, this.options, {
          notification: (c, v, t) => this.events.notification(address, c, v, t),
          state: (state, reason) => this.events.linkState(address, state, reason),
        })
        this.links.set(address, link)
        await link.start()
      }
    } finally {
      this.scanning = false
    }
  }

  /** The adapter with the fewest links among those that see the device and are below the limit. */
  private pickAdapter(candidates: string[]): string | undefined {
    let best: string | undefined
    for (const name of candidates) {
      if (!this.adapters.has(name)) continue
      const used = this.connectedOn(name)
      if (used >= this.options.maxConnectionsPerAdapter) continue
      if (best === undefined || used < this.connectedOn(best)) best = name
    }
    return best
  }

  /** Name, RSSI and advertised services, read from BlueZ's Device1 properties over D-Bus. */
  private async deviceProps(adapter: string, address: string): Promise<{ name: string | undefined; rssi: number | undefined; services: number[] }> {
    const bus = (this.bluetooth as unknown as { dbus: MessageBus }).dbus
    const path = `/org/bluez/${adapter}/dev_${address.replace(/:/g, '_')}`
    const object = await bus.getProxyObject('org.bluez', path)
    const props = object.getInterface('org.freedesktop.DBus.Properties') as unknown as { GetAll(iface: string): Promise<Record<string, { value: unknown }>> }
    const all = await props.GetAll('org.bluez.Device1')
    const uuids = (all.UUIDs?.value as string[] | undefined) ?? []
    return {
      name: all.Name?.value as string | undefined,
      rssi: all.RSSI?.value as number | undefined,
      services: uuids.map(shortUuid).filter((s): s is number => s !== null),
    }
  }
}
