/**
 * One member's live state in the current session: zone, effort, HRmax, HRV over the last minute, what their
 * machine reports, and their signal state. Updated per sample; turned into the tile the dashboard shows.
 */
import { ZoneTracker, DEFAULT_ZONE_TRACKER } from '../zones/zone-tracker.js'
import { ZONE_LABELS, zoneEdges } from '../zones/zone-models.js'
import { HrMaxRaiser } from '../zones/hr-max.js'
import { EffortAccumulator } from '../effort/effort-accumulator.js'
import { effortPoints } from '../effort/effort-points.js'
import { hrvOf } from '../hrv/hrv-metrics.js'
import type { EquipmentSample } from '@pulseline/protocol'
import type { AnomalyType } from '../anomaly/types.js'
import type { Physiology } from './physiology.js'

/** The tile is a message to the dashboard, so its shape is declared in protocol/ (messages.ts). */
export type { LiveTile } from '@pulseline/protocol'
import type { LiveTile } from '@pulseline/protocol'

const RR_WINDOW_MS = 60_000
const EQUIPMENT_FRESH_MS = 5_000

export class MemberLive {
  readonly zones: ZoneTracker
  readonly effort: EffortAccumulator
  readonly raiser: HrMaxRaiser
  hr = 0
  t = 0
  device = ''
  contact = true
  dropout = false
  batteryPct: number | null = null
  equipment: EquipmentSample | undefined
  readonly anomalies = new Map<AnomalyType, number>()
  private rr: { t: number; rr: number }[] = []

  constructor(
    readonly member: string,
    readonly gym: string,
    readonly session: string,
    public physiology: Physiology,
    private readonly pointsPerMin: readonly number[],
  ) {
    this.zones = new ZoneTracker(physiology.edges, DEFAULT_ZONE_TRACKER)
    this.effort = new EffortAccumulator({ ...physiology, sex: physiology.sex })
    this.raiser = new HrMaxRaiser(physiology.hrMax)
  }

  /** New physiology (profile edited, HRmax raised): zones and effort use it from the next reading. */
  setPhysiology(p: Physiology): void {
    this.physiology = p
    this.zones.edges = p.edges
    this.effort.profile = { ...p, sex: p.sex }
    this.raiser.hrMax = Math.max(this.raiser.hrMax, p.hrMax)
  }

  /** A heart-rate reading; returns a raised HRmax when this reading raised it. */
  observeHr(device: string, t: number, hr: number, rr: readonly number[] | undefined, contact: boolean | undefined): number | undefined {
    if (t <= this.t) return undefined
    this.device = device
    this.t = t
    this.hr = hr
    this.dropout = false
    if (contact !== undefined) this.contact = contact
    this.zones.observe(t, hr)
    this.effort.observe(t, hr)
    if (rr) {
      // RR intervals end at the reading's time; spread them back from it.
      let at = t
      for (let i = rr.length - 1; i >= 0; i--) {
        this.rr.push({ t: at, rr: rr[i]! })
        at -= rr[i]!
      }
      this.rr = this.rr.filter((x) => x.t > t - RR_WINDOW_MS).sort((a, b) => a.t - b.t)
    }
    const raised = this.raiser.observe(t, hr)
    if (raised !== undefined) {
      this.physiology = { ...this.physiology, hrMax: raised, hrMaxMeasured: true, edges: this.physiology.zoneModel === 'percent_max' ? zoneEdges('percent_max', { hrMax: raised }) : this.physiology.edges }
      this.setPhysiology(this.physiology)
    }
    return raised
  }

  tile(nowMs: number): LiveTile {
    const p = this.physiology
    const e = this.equipment && nowMs - this.equipment.t <= EQUIPMENT_FRESH_MS ? this.equipment : undefined
    const hrv = this.rr.length >= 30 ? hrvOf(this.rr.map((x) => x.rr), 30) : null
    return {
      member: this.member,
      gym: this.gym,
      session: this.session,
      t: this.t,
      device: this.device,
      hr: this.hr,
      pctMax: Math.round((100 * this.hr) / p.hrMax),
      zone: this.zones.zone,
      zoneLabel: ZONE_LABELS[this.zones.zone]!,
      hrMax: p.hrMax,
      kcal: Math.round(this.effort.kcal * 10) / 10,
      points: Math.round(effortPoints(this.zones.secondsInZone, this.pointsPerMin) * 10) / 10,
      trimp: Math.round(this.effort.banisterTrimp * 10) / 10,
      secondsInZone: this.zones.secondsInZone.map(Math.round),
      rmssdMs: hrv ? Math.round(hrv.rmssdMs * 10) / 10 : null,
      signal: this.dropout ? 'dropout' : this.contact ? 'ok' : 'no_contact',
      batteryPct: this.batteryPct,
      anomalies: [...this.anomalies.keys()],
      equipment: e ? { machine: e.machine, powerW: e.power_w, speedKmh: e.speed_kmh, cadence: e.cadence_rpm ?? e.stroke_rate_spm } : null,
    }
  }
}
