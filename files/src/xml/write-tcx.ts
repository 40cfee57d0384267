/**
 * A class as Training Center XML v2 (the schema decode is tcx.ts's), for apps that take TCX rather than FIT:
 * one activity, one lap, a track point per record with heart rate, cadence and distance, and speed and watts in
 * Garmin's ActivityExtension v2.
 */
import type { Activity } from '../fit/encode-fit.js'

const TCX = 'http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2'
const AX = 'http://www.garmin.com/xmlschemas/ActivityExtension/v2'
/** TCX's Sport is one of Running, Biking, Other (schema enumeration Sport_t). */
const SPORT: Record<string, string> = { running: 'Running', cycling: 'Biking' }

export function activityTcx(activity: Activity): string {
  const iso = (ms: number) => new Date(ms).toISOString()
  const hr = activity.records.flatMap((r) => (r.hr === undefined ? [] : [r.hr]))
  const distance = Math.max(0, ...activity.records.map((r) => r.distanceM ?? 0))
  const points = activity.records
    .map((r) => {
      const parts = [`<Time>${iso(r.t)}</Time>`]
      if (r.distanceM !== undefined) parts.push(`<DistanceMeters>${r.distanceM}</DistanceMeters>`)
      if (r.hr !== undefined) parts.push(`<HeartRateBpm><Value>${Math.round(r.hr)}</Value></HeartRateBpm>`)
      if (r.cadence !== undefined) parts.push(`<Cadence>${Math.min(254, Math.round(r.cadence))}</Cadence>`)
      const ext = [r.speedKmh !== undefined ? `<ax:Speed>${(r.speedKmh / 3.6).toFixed(3)}</ax:Speed>` : '', r.power !== undefined ? `<ax:Watts>${Math.max(0, Math.round(r.power))}</ax:Watts>` : ''].join('')
      if (ext) parts.push(`<Extensions><ax:TPX>${ext}</ax:TPX></Extensions>`)
      return `<Trackpoint>${parts.join('')}</Trackpoint>`
    })
    .join('\n')
  const summary = [
    `<TotalTimeSeconds>${((activity.endMs - activity.startMs) / 1000).toFixed(0)}</TotalTimeSeconds>`,
    `<DistanceMeters>${distance}</DistanceMeters>`,
    `<Calories>0</Calories>`,
    hr.length ? `<AverageHeartRateBpm><Value>${Math.round(hr.reduce((a, b) => a + b, 0) / hr.length)}</Value></AverageHeartRateBpm><MaximumHeartRateBpm><Value>${Math.max(...hr)}</Value></MaximumHeartRateBpm>` : '',
    `<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>`,
  ].join('')
  return `<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="${TCX}" xmlns:ax="${AX}">
<Activities><Activity Sport="${SPORT[activity.sport] ?? 'Other'}"><Id>${iso(activity.startMs)}</Id>
<Lap StartTime="${iso(activity.startMs)}">${summary}<Track>
${points}
</Track></Lap></Activity></Activities>
</TrainingCenterDatabase>
`
}
