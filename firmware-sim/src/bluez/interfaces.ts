/**
 * The org.bluez D-Bus interfaces the emulator exports, with the members node-ble uses (BlueZ
 * doc/adapter-api.txt, device-api.txt, gatt-api.txt). Behaviour lives in emulator.ts; these classes only
 * hold properties and forward method calls.
 */
import dbus from 'dbus-next'

const { Interface } = dbus.interface
const READ = 'read' as const

export interface AdapterHooks {
  startDiscovery(): void
  stopDiscovery(): void
}

export class Adapter1 extends Interface {
  Address: string
  AddressType = 'public'
  Name: string
  Alias: string
  Powered = true
  Discovering = false

  constructor(name: string, address: string, private readonly hooks: AdapterHooks) {
    super('org.bluez.Adapter1')
    this.Name = name
    this.Alias = name
    this.Address = address
  }

  SetDiscoveryFilter(_filter: unknown): void {}

  StartDiscovery(): void {
    this.Discovering = true
    Interface.emitPropertiesChanged(this, { Discovering: true }, [])
    this.hooks.startDiscovery()
  }

  StopDiscovery(): void {
    this.Discovering = false
    Interface.emitPropertiesChanged(this, { Discovering: false }, [])
    this.hooks.stopDiscovery()
  }
}
Adapter1.configureMembers({
  properties: {
    Address: { signature: 's', access: READ },
    AddressType: { signature: 's', access: READ },
    Name: { signature: 's', access: READ },
    Alias: { signature: 's', access: READ },
    Powered: { signature: 'b', access: READ },
    Discovering: { signature: 'b', access: READ },
  },
  methods: {
    SetDiscoveryFilter: { inSignature: 'a{sv}' },
    StartDiscovery: {},
    StopDiscovery: {},
  },
})

export interface DeviceHooks {
  connect(): Promise<void>
  disconnect(): Promise<void>
}

export class Device1 extends Interface {
  Address: string
  AddressType = 'random'
  Name: string
  Alias: string
  RSSI: number
  UUIDs: string[]
  Adapter: string
  Connected = false
  ServicesResolved = false
  Paired = false

  constructor(address: string, name: string, rssi: number, uuids: string[], adapterPath: string, private readonly hooks: DeviceHooks) {
    super('org.bluez.Device1')
    this.Address = address
    this.Name = name
    this.Alias = name
    this.RSSI = rssi
    this.UUIDs = uuids
    this.Adapter = adapterPath
  }

  async Connect(): Promise<void> {
    await this.hooks.connect()
  }

  async Disconnect(): Promise<void> {
    await this.hooks.disconnect()
  }

  Pair(): void {}
  CancelPair(): void {}

  set(changes: Partial<Pick<Device1, 'Connected' | 'ServicesResolved' | 'RSSI'>>): void {
    Object.assign(this, changes)
    Interface.emitPropertiesChanged(this, changes, [])
  }
}
Device1.configureMembers({
  properties: {
    Address: { signature: 's', access: READ },
    AddressType: { signature: 's', access: READ },
    Name: { signature: 's', access: READ },
    Alias: { signature: 's', access: READ },
    RSSI: { signature: 'n', access: READ },
    UUIDs: { signature: 'as', access: READ },
    Adapter: { signature: 'o', access: READ },
    Connected: { signature: 'b', access: READ },
    ServicesResolved: { signature: 'b', access: READ },
    Paired: { signature: 'b', access: READ },
  },
  methods: { Connect: {}, Disconnect: {}, Pair: {}, CancelPair: {} },
})

export class GattService1 extends Interface {
  UUID: string
  Primary = true
  Device: string

  constructor(uuid: string, devicePath: string) {
    super('org.bluez.GattService1')
    this.UUID = uuid
    this.Device = devicePath
  }
}
GattService1.configureMembers({
  properties: {
    UUID: { signature: 's', access: READ },
    Primary: { signature: 'b', access: READ },
    Device: { signature: 'o', access: READ },
  },
})

export class GattCharacteristic1 extends Interface {
  UUID: string
  Service: string
  Flags: string[]
  Notifying = false
  Value: Buffer = Buffer.alloc(0)

  constructor(uuid: string, servicePath: string, flags: string[]) {
    super('org.bluez.GattCharacteristic1')
    this.UUID = uuid
    this.Service = servicePath
    this.Flags = flags
  }

  ReadValue(_options: unknown): Buffer {
    return this.Value
  }

  WriteValue(value: Buffer, _options: unknown): void {
    this.Value = value
  }

  StartNotify(): void {
    this.Notifying = true
    Interface.emitPropertiesChanged(this, { Notifying: true }, [])
  }

  StopNotify(): void {
    this.Notifying = false
    Interface.emitPropertiesChanged(this, { Notifying: false }, [])
  }

  /** Sends a notification: a PropertiesChanged signal carrying the new Value, as BlueZ does. */
  notify(value: Buffer): boolean {
    this.Value = value
    if (!this.Notifying) return false
    Interface.emitPropertiesChanged(this, { Value: value }, [])
    return true
  }
}
GattCharacteristic1.configureMembers({
  properties: {
    UUID: { signature: 's', access: READ },
    Service: { signature: 'o', access: READ },
    Flags: { signature: 'as', access: READ },
    Notifying: { signature: 'b', access: READ },
    Value: { signature: 'ay', access: READ },
  },
  methods: {
    ReadValue: { inSignature: 'a{sv}', outSignature: 'ay' },
    WriteValue: { inSignature: 'aya{sv}' },
    StartNotify: {},
    StopNotify: {},
  },
})

/** org.bluez.AgentManager1 at /org/bluez: node-ble looks for it to find the adapters below it. */
export class AgentManager1 extends Interface {
  constructor() {
    super('org.bluez.AgentManager1')
  }
  RegisterAgent(_agent: string, _capability: string): void {}
  UnregisterAgent(_agent: string): void {}
  RequestDefaultAgent(_agent: string): void {}
}
AgentManager1.configureMembers({
  methods: { RegisterAgent: { inSignature: 'os' }, UnregisterAgent: { inSignature: 'o' }, RequestDefaultAgent: { inSignature: 'o' } },
})
