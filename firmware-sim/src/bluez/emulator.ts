/**
 * A BlueZ stand-in on a D-Bus bus: it owns `org.bluez` and exports adapters, devices, GATT services and
 * characteristics at the object paths BlueZ uses (/org/bluez/hci0/dev_AA_BB_.../serviceXXXX/charYYYY),
 * so node-ble, unmodified, talks to it as to the real daemon. Notifications carry whatever bytes the
 * caller hands in: firmware-sim's encoders produce them from simulated physiology.
 *
 * It also models what matters on a gym floor: an adapter refuses connections past its limit (BlueZ
 * controllers manage roughly 7–10), and a device can drop its link or leave radio range.
 */
import dbus, { type MessageBus } from 'dbus-next'
import { Adapter1, AgentManager1, Device1, GattCharacteristic1, GattService1 } from './interfaces.js'
import { fullUuid } from './uuids.js'

export interface EmulatedCharacteristic {
  uuid: number
  flags: string[]
}

export interface EmulatedService {
  uuid: number
  characteristics: EmulatedCharacteristic[]
}

export interface EmulatedDeviceSpec {
  address: string
  name: string
  rssi: number
  services: EmulatedService[]
}

interface DeviceEntry {
  spec: EmulatedDeviceSpec
  path: string
  device: Device1
  /** GATT objects, exported only while connected (BlueZ resolves services on connection). */
  gatt: Array<{ path: string; iface: GattService1 | GattCharacteristic1 }>
  characteristics: Map<number, GattCharacteristic1>
}

interface AdapterEntry {
  name: string
  path: string
  adapter: Adapter1
  maxConnections: number
  devices: Map<string, DeviceEntry>
  refused: number
}

export class BluezEmulator {
  private readonly adapters = new Map<string, AdapterEntry>()

  private constructor(private readonly bus: MessageBus) {}

  /** Connects to the bus at `address` and takes the name org.bluez. */
  static async start(address: string): Promise<BluezEmulator> {
    // sessionBus() is dbus-next's way to connect to an explicit address; the bus itself is our private system bus.
    const bus = dbus.sessionBus({ busAddress: address })
    await bus.requestName('org.bluez', 0)
    bus.export('/org/bluez', new AgentManager1())
    return new BluezEmulator(bus)
  }

  addAdapter(name: string, options: { maxConnections: number; address?: string }): void {
    const path = `/org/bluez/${name}`
    const adapter = new Adapter1(name, options.address ?? `00:1A:7D:DA:71:${String(this.adapters.size).padStart(2, '0')}`, {
      startDiscovery: () => {},
      stopDiscovery: () => {},
    })
    this.bus.export(path, adapter)
    this.adapters.set(name, { name, path, adapter, maxConnections: options.maxConnections, devices: new Map(), refused: 0 })
  }

  /** Puts a device in range of an adapter (it shows up in discovery). */
  addDevice(adapterName: string, spec: EmulatedDeviceSpec): void {
    const adapter = this.adapter(adapterName)
    const path = `${adapter.path}/dev_${spec.address.replace(/:/g, '_')}`
    const entry: DeviceEntry = {
      spec,
      path,
      gatt: [],
      characteristics: new Map(),
      device: new Device1(spec.address, spec.name, spec.rssi, spec.services.map((s) => fullUuid(s.uuid)), adapter.path, {
        connect: async () => this.connect(adapter, entry),
        disconnect: async () => this.disconnect(entry),
      }),
    }
    this.bus.export(path, entry.device)
    adapter.devices.set(spec.address, entry)
  }

  /** Takes a device out of range: its link drops and it disappears from discovery. */
  removeDevice(adapterName: string, address: string): void {
    const adapter = this.adapter(adapterName)
    const entry = adapter.devices.get(address)
    if (!entry) return
    this.dropLink(entry)
    this.bus.unexport(entry.path, entry.device)
    adapter.devices.delete(address)
  }

  /** The link drops without the central asking (out of range, strap taken off): Connected goes false. */
  dropLink(entry: DeviceEntry | { adapter: string; address: string }): void {
    const e = 'spec' in entry ? entry : this.adapter(entry.adapter).devices.get(entry.address)
    if (!e || !e.device.Connected) return
    this.unexportGatt(e)
    e.device.set({ ServicesResolved: false })
    e.device.set({ Connected: false })
  }

  /** Sends a notification on every adapter where the device is connected and the characteristic notifying. */
  notify(address: string, characteristicUuid: number, value: Buffer): number {
    let delivered = 0
    for (const adapter of this.adapters.values()) {
      const ch = adapter.devices.get(address)?.characteristics.get(characteristicUuid)
      if (ch?.notify(value)) delivered++
    }
    return delivered
  }

  connectedCount(adapterName: string): number {
    return [...this.adapter(adapterName).devices.values()].filter((d) => d.device.Connected).length
  }

  refusedConnections(adapterName: string): number {
    return this.adapter(adapterName).refused
  }

  isConnected(adapterName: string, address: string): boolean {
    return this.adapter(adapterName).devices.get(address)?.device.Connected ?? false
  }

  stop(): void {
    this.bus.disconnect()
  }

  private adapter(name: string): AdapterEntry {
    const a = this.adapters.get(name)
    if (!a) throw new Error(`no adapter ${name}`)
    return a
  }

  private async connect(adapter: AdapterEntry, entry: DeviceEntry): Promise<void> {
    if (entry.device.Connected) return
    if (this.connectedCount(adapter.name) >= adapter.maxConnections) {
      adapter.refused++
      // What BlueZ answers when the controller has no connection slot left.
      throw new dbus.DBusError('org.bluez.Error.Failed', 'le-connection-abort-by-local')
    }
    entry.device.set({ Connected: true })
    let handle = 0x000a
    for (const service of entry.spec.services) {
      const servicePath = `${entry.path}/service${(handle++).toString(16).padStart(4, '0')}`
      const serviceIface = new GattService1(fullUuid(service.uuid), entry.path)
      this.bus.export(servicePath, serviceIface)
      entry.gatt.push({ path: servicePath, iface: serviceIface })
      for (const c of service.characteristics) {
        const charPath = `${servicePath}/char${(handle++).toString(16).padStart(4, '0')}`
        const charIface = new GattCharacteristic1(fullUuid(c.uuid), servicePath, c.flags)
        this.bus.export(charPath, charIface)
        entry.gatt.push({ path: charPath, iface: charIface })
        entry.characteristics.set(c.uuid, charIface)
      }
    }
    entry.device.set({ ServicesResolved: true })
  }

  private async disconnect(entry: DeviceEntry): Promise<void> {
    this.dropLink(entry)
  }

  private unexportGatt(entry: DeviceEntry): void {
    for (const { path, iface } of entry.gatt.reverse()) this.bus.unexport(path, iface)
    entry.gatt = []
    entry.characteristics.clear()
  }
}
