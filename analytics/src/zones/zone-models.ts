/**
 * Zone models: each turns a member's physiology into the lower edges (bpm) of zones 1–5. Below zone 1's
 * edge is zone 0, "rest". Pure functions; the live path evaluates a member's edges once per profile change.
 *
 *   percent_max  50/60/70/80/90 % of HRmax: the five-zone scheme of ACSM's guidelines and of Edwards (1993),
 *                the default because it needs only HRmax.
 *   karvonen     the same fractions of heart-rate reserve: rest + f × (max − rest) (Karvonen, Kentala &
 *                Mustala, Ann Med Exp Biol Fenn 1957;35:307–315).
 *   friel_run    Friel's LTHR zones for running: Z1 < 85 %, Z2 85–89 %, Z3 90–94 %, Z4 95–99 %, Z5 ≥ 100 %
 *   friel_bike   and for cycling: Z1 < 81 %, Z2 81–89 %, Z3 90–93 %, Z4 94–99 %, Z5 ≥ 100 % of LTHR
 *                (J. Friel, "The Triathlete's Training Bible"; his 5a/5b/5c split is folded into Z5 so every
 *                model shows five zones on the board). Friel's Z1 has no lower edge, so there is no zone 0.
 *   custom       five ascending edges in bpm, given by the member or coach.
 */
export const ZONE_MODELS = ['percent_max', 'karvonen', 'friel_run', 'friel_bike', 'custom'] as const
export type ZoneModel = (typeof ZONE_MODELS)[number]

// The labels travel on the tile, so the wire contract declares them.
export { ZONE_LABELS } from '@pulseline/protocol/zones'

export interface ZoneInputs {
  hrMax: number
  restingHr?: number
  lthr?: number
  customEdges?: readonly number[]
}

const FIVE_FRACTIONS = [0.5, 0.6, 0.7, 0.8, 0.9] as const
const FRIEL_RUN = [0, 0.85, 0.9, 0.95, 1.0] as const
const FRIEL_BIKE = [0, 0.81, 0.9, 0.94, 1.0] as const

export class ZoneModelError extends Error {}

/** Lower edges (bpm) of zones 1..5, ascending. */
export function zoneEdges(model: ZoneModel, inputs: ZoneInputs): number[] {
  switch (model) {
    case 'percent_max':
      return FIVE_FRACTIONS.map((f) => f * inputs.hrMax)
    case 'karvonen': {
      if (inputs.restingHr === undefined) throw new ZoneModelError('karvonen zones need a resting HR')
      const rest = inputs.restingHr
      return FIVE_FRACTIONS.map((f) => rest + f * (inputs.hrMax - rest))
    }
    case 'friel_run':
    case 'friel_bike': {
      if (inputs.lthr === undefined) throw new ZoneModelError(`${model} zones need an LTHR`)
      const lthr = inputs.lthr
      return (model === 'friel_run' ? FRIEL_RUN : FRIEL_BIKE).map((f) => f * lthr)
    }
    case 'custom': {
      const edges = inputs.customEdges
      if (!edges || edges.length !== 5 || edges.some((e, i) => !Number.isFinite(e) || (i > 0 && e <= edges[i - 1]!)))
        throw new ZoneModelError('custom zones need five ascending edges in bpm')
      return [...edges]
    }
  }
}

/** The zone (0–5) of a heart rate. */
export function zoneOf(hr: number, edges: readonly number[]): number {
  let zone = 0
  for (let i = 0; i < edges.length; i++) if (hr >= edges[i]!) zone = i + 1
  return zone
}
