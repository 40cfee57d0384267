/**
 * Speed and cadence from two successive revolution counters (CSC §3.1 notes; Cycling Power §3.2).
 * Counters and event times wrap: event times are uint16 (rolling over every 64 s at 1/1024 s), crank
 * revolutions uint16, wheel revolutions uint32. Differences are therefore taken modulo their width.
 * No new event (the same event time) means no new information: the caller decides when "no events for a
 * while" means the wheel stopped, rather than this function inventing a zero.
 */
import type { RevolutionData } from './csc-measurement.js'

export interface RateOptions {
  /** Event-time ticks per second: 1024 (CSC wheel and crank, CP crank) or 2048 (CP wheel). */
  tickHz: number
  /** Modulus of the revolution counter: 2^32 for wheel, 2^16 for crank. */
  revolutionModulus: number
}

/** Revolutions per minute between two readings; null when no new event happened. */
export function revolutionsPerMinute(prev: RevolutionData, curr: RevolutionData, options: RateOptions): number | null {
  const ticks = (curr.eventTime - prev.eventTime + 65536) % 65536
  if (ticks === 0) return null
  const revs = (curr.revolutions - prev.revolutions + options.revolutionModulus) % options.revolutionModulus
  return (revs * 60 * options.tickHz) / ticks
}

/** Wheel speed in km/h from two wheel readings and the wheel circumference (m); null when no new event. */
export function wheelSpeedKmh(prev: RevolutionData, curr: RevolutionData, circumferenceM: number, tickHz = 1024): number | null {
  const rpm = revolutionsPerMinute(prev, curr, { tickHz, revolutionModulus: 2 ** 32 })
  return rpm === null ? null : (rpm * circumferenceM * 60) / 1000
}

/** Crank cadence in rpm from two crank readings; null when no new event. */
export function crankCadenceRpm(prev: RevolutionData, curr: RevolutionData): number | null {
  return revolutionsPerMinute(prev, curr, { tickHz: 1024, revolutionModulus: 2 ** 16 })
}
