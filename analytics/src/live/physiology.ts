/**
 * A member's physiology as analytics uses it, resolved from the registry profile with documented
 * fallbacks: age from birth year; HRmax measured, else estimated (the member's chosen formula, else the
 * configured default); resting HR 60 bpm when unknown (a typical adult value); weight 70 kg; sex unknown
 * uses the mean of Keytel's two equations' results, so nobody is silently assigned one.
 */
import type { MemberProfile } from '@pulseline/registry'
import { estimateHrMax, HR_MAX_FORMULAS, type HrMaxFormula } from '../zones/hr-max.js'
import { zoneEdges, ZONE_MODELS, ZoneModelError, type ZoneModel } from '../zones/zone-models.js'

export interface Physiology {
  age: number
  sex: 'female' | 'male' | undefined
  weightKg: number
  restingHr: number
  hrMax: number
  hrMaxMeasured: boolean
  vo2max: number | undefined
  zoneModel: ZoneModel
  edges: number[]
  timezone: string
}

export const DEFAULT_AGE = 35

export function resolvePhysiology(profile: MemberProfile | undefined, nowMs: number, defaultFormula: HrMaxFormula, gymTimezone = 'UTC'): Physiology {
  const p = profile ?? {}
  const age = p.birthYear ? new Date(nowMs).getUTCFullYear() - p.birthYear : DEFAULT_AGE
  const formula = p.hrMaxFormula && p.hrMaxFormula in HR_MAX_FORMULAS ? (p.hrMaxFormula as HrMaxFormula) : defaultFormula
  const hrMax = p.maxHr ?? estimateHrMax(age, formula)
  const restingHr = p.restingHr ?? 60
  const wanted = (ZONE_MODELS as readonly string[]).includes(p.zoneModel ?? '') ? (p.zoneModel as ZoneModel) : 'percent_max'
  let zoneModel: ZoneModel = wanted
  let edges: number[]
  try {
    edges = zoneEdges(wanted, { hrMax, restingHr: p.restingHr, lthr: p.lthr, customEdges: p.zoneEdges })
  } catch (err) {
    // A model whose inputs are missing (Friel without an LTHR) falls back to % of HRmax rather than no zones.
    if (!(err instanceof ZoneModelError)) throw err
    zoneModel = 'percent_max'
    edges = zoneEdges('percent_max', { hrMax })
  }
  return { age, sex: p.sex, weightKg: p.weightKg ?? 70, restingHr, hrMax, hrMaxMeasured: p.maxHr !== undefined && (p.maxHrMeasured ?? false), vo2max: p.vo2max, zoneModel, edges, timezone: p.timezone ?? gymTimezone }
}
