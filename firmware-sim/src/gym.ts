/**
 * A simulated gym class: members, the wearable each one has (most wear a chest strap, some a watch),
 * and machines ridden by the first members. Everything derives from the seed.
 */
import type { Sample } from '@pulseline/protocol'
import { SimMember } from './member.js'
import { ChestStrap, Watch } from './devices/wearables.js'
import { Bike, Rower, Treadmill } from './devices/machines.js'
import type { SimDevice } from './devices/device.js'

export interface GymPlanOptions {
  seed: number
  gym: string
  members: number
  machines: number
  /** Simulation start, ms since epoch. */
  startMs: number
  /** Class start, ms since epoch; defaults to the simulation start. */
  classStartMs?: number
  /** Every n-th member wears a watch instead of a strap. */
  watchEvery?: number
  /** Samples per second from each device (1 Hz, as most straps and FTMS machines notify). */
  sampleRateHz?: number
}

export interface GymPlan {
  gym: string
  members: SimMember[]
  devices: SimDevice[]
}

export function planGym(options: GymPlanOptions): GymPlan {
  const { seed, gym, startMs } = options
  const classStart = options.classStartMs ?? startMs
  const watchEvery = options.watchEvery ?? 5
  const periodMs = Math.round(1000 / (options.sampleRateHz ?? 1))
  const members = Array.from({ length: options.members }, (_, i) => new SimMember(`member-${pad(i + 1)}`, seed, startMs, classStart))
  const devices: SimDevice[] = members.map((m, i) =>
    (i + 1) % watchEvery === 0
      ? new Watch(`watch-${pad(i + 1)}`, m, startMs, seed, periodMs)
      : new ChestStrap(`strap-${pad(i + 1)}`, m, startMs, seed, periodMs),
  )
  const machineTypes = [Bike, Treadmill, Rower] as const
  for (let i = 0; i < options.machines; i++) {
    const Type = machineTypes[i % machineTypes.length]!
    const member = members[i % members.length]!
    devices.push(new Type(`${['bike', 'treadmill', 'rower'][i % 3]}-${pad(i + 1)}`, member, startMs, seed, periodMs))
  }
  return { gym, members, devices }
}

function pad(n: number): string {
  return String(n).padStart(3, '0')
}

export type { SimDevice, Sample }
