/**
 * The names of the heart-rate zones 0–5, as a tile's `zoneLabel` carries them and the board shows them. Part
 * of the wire contract, in a module of its own so that the browser bundle can take it without the rest of
 * protocol (TypeBox's compiler).
 */
export const ZONE_LABELS = ['Rest', 'Warm up', 'Easy', 'Aerobic', 'Threshold', 'Maximum'] as const
export type ZoneLabel = (typeof ZONE_LABELS)[number]
