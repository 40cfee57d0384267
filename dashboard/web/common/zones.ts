/** Zone colours and labels for the browser; the labels are the wire contract's, as analytics sends them. */
export { ZONE_LABELS } from '@pulseline/protocol/zones'

/** Colours chosen to stay distinct for the common colour-vision deficiencies; the zone is also shown as a number and a label. */
export const ZONE_COLOURS = ['#6b7280', '#3b82f6', '#10b981', '#eab308', '#f97316', '#dc2626'] as const
