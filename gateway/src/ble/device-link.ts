/**
 * One connected device: connect through node-ble, subscribe to the characteristics of the services it
 * has, hand every notification on, and when the link drops, say so (a `dropout` status sample, not
 * silence) and reconnect with backoff until told to stop.
 */
import type { Adapter, Device, GattCharacteristic } from 'node-ble'
import { backoffDelay } from '@pulseline/protocol'
import { SERVICES, fullUuid } from './profiles.js'
import { shortUuid } from '../gatt/decode.js'

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'stopped'

export interface LinkEvents {
  notification(characteristic: number, value: Buffer, receivedAt: number): void
  state(state: LinkState, reason?: string): void
}

export interface LinkOptions {
  reconnectInitialMs: number
  reconnectMaxMs: number
  connectTimeoutMs: number
}

export class DeviceLink {
  state: LinkState = 'connecting'
  private device: Device | undefined
  private characteristics: GattCharacteristic[] = []
  private retry: NodeJS.Timeout | undefined
  private attempt = 0

  constructor(
    readonly address: string,
    readonly adapterName: string,
    private readonly adapter: Adapter,
    private readonly options: LinkOptions,
    private readonly events: LinkEvents,
  ) {}

  /** Connects; on failure schedules a retry. Resolves once the first attempt is over. */
  async start(): Promise<void> {
    await this.connect()
  }

  async stop(): Promise<void> {
    this.setState('stopped')
    clearTimeout(this.retry)
    for (const c of this.characteristics) await c.stopNotifications().catch(() => {})
    await this.device?.disconnect().catch(() => {})
  }

  private setState(state: LinkState, reason?: string): void {
    if (this.state === state && state !== 'reconnecting') return
    this.state = state
    this.events.state(state, reason)
  }

  private async connect(): Promise<void> {
    if (this.state === 'stopped') return
    try {
      const device = await this.adapter.waitDevice(this.address, this.options.connectTimeoutMs, 250)
      this.device = device
      device.removeAllListeners('disconnect')
      await withTimeout(device.connect(), this.options.connectTimeoutMs, 'connect')
      device.once('disconnect', () => this.lost('link lost'))
      const gatt = await withTimeout(device.gatt(), this.options.connectTimeoutMs, 'service discovery')
      this.characteristics = []
      for (const serviceUuid of await gatt.services()) {
        const short = shortUuid(serviceUuid)
        const profile = short === null ? undefined : SERVICES[short]
        if (!profile) continue
        const service = await gatt.getPrimaryService(serviceUuid)
        const available = new Set(await service.characteristics())
        for (const c of profile.characteristics) {
          if (!available.has(fullUuid(c))) continue
          const characteristic = await service.getCharacteristic(fullUuid(c))
          characteristic.on('valuechanged', (value: Buffer) => this.events.notification(c, value, Date.now()))
          await characteristic.startNotifications()
          this.characteristics.push(characteristic)
        }
      }
      if ((this.state as LinkState) === 'stopped') return // stopped while connecting
      this.attempt = 0
      this.setState('connected')
    } catch (err) {
      this.lost((err as Error).message)
    }
  }

  private lost(reason: string): void {
    if (this.state === 'stopped') return
    for (const c of this.characteristics) c.removeAllListeners('valuechanged')
    this.characteristics = []
    this.setState('reconnecting', reason)
    // Jittered, so that the straps of a class that all dropped with one adapter do not reconnect in lockstep.
    const delay = backoffDelay(this.attempt++, this.options.reconnectInitialMs, this.options.reconnectMaxMs)
    clearTimeout(this.retry)
    this.retry = setTimeout(() => void this.connect(), delay)
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
    promise.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
