/** RSC (0x2A53), CSC (0x2A5B) and Cycling Power (0x2A63) measurement bytes. */
import { ByteWriter } from './byte-writer.js'

export interface Revolutions {
  revolutions: number
  eventTime: number
}

export function encodeRscMeasurement(f: { speedMps: number; cadenceSpm: number; strideLengthM?: number; totalDistanceM?: number; running: boolean }): Buffer {
  const flags = (f.strideLengthM !== undefined ? 1 : 0) | (f.totalDistanceM !== undefined ? 2 : 0) | (f.running ? 4 : 0)
  const w = new ByteWriter().put('u8', flags, 'flags').put('u16', f.speedMps * 256, 'speed').put('u8', f.cadenceSpm, 'cadence')
  if (f.strideLengthM !== undefined) w.put('u16', f.strideLengthM * 100, 'stride length')
  if (f.totalDistanceM !== undefined) w.put('u32', f.totalDistanceM * 10, 'total distance')
  return w.toBuffer()
}

export function encodeCscMeasurement(f: { wheel?: Revolutions; crank?: Revolutions }): Buffer {
  const w = new ByteWriter().put('u8', (f.wheel ? 1 : 0) | (f.crank ? 2 : 0), 'flags')
  if (f.wheel) w.put('u32', f.wheel.revolutions, 'wheel revolutions').put('u16', f.wheel.eventTime, 'wheel event time')
  if (f.crank) w.put('u16', f.crank.revolutions, 'crank revolutions').put('u16', f.crank.eventTime, 'crank event time')
  return w.toBuffer()
}

/** Wheel event time in 1/2048 s, crank in 1/1024 s, as the Cycling Power Service defines them. */
export function encodeCyclingPowerMeasurement(f: { powerW: number; pedalBalancePct?: number; wheel?: Revolutions; crank?: Revolutions; accumulatedEnergyKj?: number }): Buffer {
  const flags = (f.pedalBalancePct !== undefined ? 0x0001 : 0) | (f.wheel ? 0x0010 : 0) | (f.crank ? 0x0020 : 0) | (f.accumulatedEnergyKj !== undefined ? 0x0800 : 0)
  const w = new ByteWriter().put('u16', flags, 'flags').put('s16', f.powerW, 'power')
  if (f.pedalBalancePct !== undefined) w.put('u8', f.pedalBalancePct * 2, 'pedal balance')
  if (f.wheel) w.put('u32', f.wheel.revolutions, 'wheel revolutions').put('u16', f.wheel.eventTime, 'wheel event time')
  if (f.crank) w.put('u16', f.crank.revolutions, 'crank revolutions').put('u16', f.crank.eventTime, 'crank event time')
  if (f.accumulatedEnergyKj !== undefined) w.put('u16', f.accumulatedEnergyKj, 'accumulated energy')
  return w.toBuffer()
}
