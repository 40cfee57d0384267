/**
 * Simulated class sessions as detector input: firmware-sim's physiology through its real device models
 * (chest strap with RR, optical watch with step cadence, bike with power and cadence), one point per second.
 * Seeds decide everything, so training (seeds from 1) and evaluation (seeds from 100,000) never share a
 * session.
 */
import { Bike, ChestStrap, SimMember, Watch, createRandom } from '@pulseline/firmware-sim'
import type { Sample } from '@pulseline/protocol'
import type { SignalPoint } from '../../src/anomaly/types.js'

export type SessionKind = 'strap_bike' | 'watch_bike' | 'watch_run'
export const SESSION_KINDS: readonly SessionKind[] = ['strap_bike', 'watch_bike', 'watch_run']

export interface SimSession {
  seed: number
  kind: SessionKind
  points: SignalPoint[]
}

const START_MS = Date.UTC(2026, 0, 5, 18, 0, 0)
/** 5 minutes before the 45-minute class and 5 after. */
const LENGTH_S = 55 * 60

export function simulateSession(seed: number, kind: SessionKind = SESSION_KINDS[seed % 3]!): SimSession {
  const classStart = START_MS + 5 * 60_000
  const member = new SimMember(`m${seed}`, seed, START_MS, classStart)
  const hrDevice = kind === 'strap_bike' ? new ChestStrap(`hr${seed}`, member, START_MS, seed) : new Watch(`w${seed}`, member, START_MS, seed)
  const bike = kind === 'watch_run' ? undefined : new Bike(`b${seed}`, member, START_MS, seed)
  const stride = createRandom(seed, 'stride')
  const points: SignalPoint[] = []
  for (let s = 1; s <= LENGTH_S; s++) {
    const t = START_MS + s * 1000
    const hr = hrDevice.samplesUntil(t).find((x): x is Extract<Sample, { kind: 'hr' }> => x.kind === 'hr')
    const machine = bike?.samplesUntil(t).find((x): x is Extract<Sample, { kind: 'equipment' }> => x.kind === 'equipment')
    if (!hr) continue
    const point: SignalPoint = { t, hr: hr.bpm }
    if (hr.rr_ms) point.rr = hr.rr_ms
    if (machine) {
      point.powerW = machine.power_w
      point.cadence = machine.cadence_rpm
    } else if (hrDevice instanceof Watch) {
      // A runner's step cadence wanders by a step or two a minute around the watch's value.
      const c = hrDevice.cadence()
      if (c > 0) point.cadence = Math.round(c + stride.normal(0, 1.5))
    }
    points.push(point)
  }
  return { seed, kind, points }
}
