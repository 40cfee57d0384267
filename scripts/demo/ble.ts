/**
 * The demo's BLE path: a private D-Bus with the BlueZ emulator (two adapters), the simulated devices it
 * is given notifying real GATT bytes, and the gateway reading them with node-ble and publishing to ingest.
 */
import { join } from 'node:path'
import { pino } from 'pino'
import { BleGymDriver, BluezEmulator, startPrivateBus, type GymPlan } from '@pulseline/firmware-sim'
import { resolveGatewayOptions, startGateway } from '@pulseline/gateway'

export interface DemoBle {
  close(): Promise<void>
}

export async function startDemoBle(plan: GymPlan, mqttPort: number, gatewayId: string, secret: string, dataDir: string, say: (line: string) => void): Promise<DemoBle> {
  const bus = await startPrivateBus()
  say(`BLE: private D-Bus at ${bus.address}; BlueZ emulator with adapters hci0, hci1 and hci2 (7 connections each)`)
  const emulator = await BluezEmulator.start(bus.address)
  emulator.addAdapter('hci0', { maxConnections: 7 })
  emulator.addAdapter('hci1', { maxConnections: 7 })
  emulator.addAdapter('hci2', { maxConnections: 7 })
  const driver = new BleGymDriver(
    [
      { emulator, adapter: 'hci0' },
      { emulator, adapter: 'hci1' },
    { emulator, adapter: 'hci2' },
    ],
    plan,
  )
  process.env.DBUS_SYSTEM_BUS_ADDRESS = bus.address
  const gateway = await startGateway(
    resolveGatewayOptions({
      id: gatewayId,
      gym: plan.gym,
      mqtt: { url: `mqtt://127.0.0.1:${mqttPort}`, password: secret },
      ble: { scanIntervalMs: 1000 },
      devices: plan.devices.map((d) => ({ address: driver.addresses.get(d.id)!, id: d.id })),
      outbox: { path: join(dataDir, 'gateway', 'outbox.sqlite') },
    }),
    { logger: pino({ name: 'gateway', level: 'warn' }) },
  )
  driver.start(200)
  say(`BLE: gateway metrics on http://127.0.0.1:${gateway.httpPort}/metrics`)
  say(`BLE: gateway "${gatewayId}" reads ${plan.devices.length} devices over GATT (${plan.devices.map((d) => d.id).join(', ')})`)
  return {
    async close() {
      driver.stop()
      await gateway.close()
      emulator.stop()
      await bus.stop()
    },
  }
}
