/**
 * XML exports a member's apps would write, by hand after the formats' specifications: GPX 1.1 with Garmin's
 * TrackPointExtension v2, TCX v2 with ActivityExtension v2, and Apple Health's export.xml (with the DTD the
 * Health app writes). Prefixes are parameters, since exporters differ and readers must not depend on them.
 */

export interface TrackPoint {
  t: number
  hr?: number
  cadence?: number
  power?: number
}

/** GPX 1.1 with Garmin's TrackPointExtension v2 bound to `prefix` (exporters use gpxtpx:, ns3:, or others). */
export function gpx(points: readonly TrackPoint[], { prefix = 'gpxtpx', type = 'cycling', creator = 'Garmin Connect' } = {}): string {
  const ext = 'http://www.garmin.com/xmlschemas/TrackPointExtension/v2'
  const pt = (p: TrackPoint) =>
    `<trkpt lat="47.1" lon="8.5"><ele>420</ele><time>${new Date(p.t).toISOString()}</time>` +
    (p.hr !== undefined || p.cadence !== undefined
      ? `<extensions>${p.power !== undefined ? `<power>${p.power}</power>` : ''}<${prefix}:TrackPointExtension>${p.hr !== undefined ? `<${prefix}:hr>${p.hr}</${prefix}:hr>` : ''}${p.cadence !== undefined ? `<${prefix}:cad>${p.cadence}</${prefix}:cad>` : ''}</${prefix}:TrackPointExtension></extensions>`
      : '') +
    `</trkpt>`
  return `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="${creator}" xmlns="http://www.topografix.com/GPX/1/1" xmlns:${prefix}="${ext}">
  <trk><name>Morning ride</name><type>${type}</type><trkseg>
    ${points.map(pt).join('\n    ')}
  </trkseg></trk>
</gpx>
`
}

/** TCX v2 with the ActivityExtension v2 under `prefix`, the TCX namespace under `tcxPrefix` (or the default). */
export function tcx(points: readonly (TrackPoint & { distance?: number; speedMs?: number })[], { prefix = 'ns3', tcxPrefix = '', sport = 'Biking', unitId = '3987654321', laps = 1 } = {}): string {
  const t = (name: string) => (tcxPrefix ? `${tcxPrefix}:${name}` : name)
  const ns = tcxPrefix ? `xmlns:${tcxPrefix}` : 'xmlns'
  const perLap = Math.ceil(points.length / laps)
  const lapXml = Array.from({ length: laps }, (_, l) => {
    const slice = points.slice(l * perLap, (l + 1) * perLap)
    return `<${t('Lap')} StartTime="${new Date(slice[0]!.t).toISOString()}"><${t('TotalTimeSeconds')}>${slice.length}</${t('TotalTimeSeconds')}><${t('Track')}>${slice
      .map(
        (p) =>
          `<${t('Trackpoint')}><${t('Time')}>${new Date(p.t).toISOString()}</${t('Time')}>` +
          (p.hr !== undefined ? `<${t('HeartRateBpm')}><${t('Value')}>${p.hr}</${t('Value')}></${t('HeartRateBpm')}>` : '') +
          (p.distance !== undefined ? `<${t('DistanceMeters')}>${p.distance}</${t('DistanceMeters')}>` : '') +
          (p.cadence !== undefined ? `<${t('Cadence')}>${p.cadence}</${t('Cadence')}>` : '') +
          (p.power !== undefined || p.speedMs !== undefined
            ? `<${t('Extensions')}><${prefix}:TPX>${p.speedMs !== undefined ? `<${prefix}:Speed>${p.speedMs}</${prefix}:Speed>` : ''}${p.power !== undefined ? `<${prefix}:Watts>${p.power}</${prefix}:Watts>` : ''}</${prefix}:TPX></${t('Extensions')}>`
            : '') +
          `</${t('Trackpoint')}>`,
      )
      .join('')}</${t('Track')}></${t('Lap')}>`
  }).join('')
  return `<?xml version="1.0" encoding="UTF-8"?>
<${t('TrainingCenterDatabase')} ${ns}="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" xmlns:${prefix}="http://www.garmin.com/xmlschemas/ActivityExtension/v2">
<${t('Activities')}><${t('Activity')} Sport="${sport}"><${t('Id')}>${new Date(points[0]!.t).toISOString()}</${t('Id')}>${lapXml}
<${t('Creator')}><${t('Name')}>Forerunner 965</${t('Name')}><${t('UnitId')}>${unitId}</${t('UnitId')}><${t('ProductID')}>4315</${t('ProductID')}></${t('Creator')}>
</${t('Activity')}></${t('Activities')}></${t('TrainingCenterDatabase')}>
`
}

/** A date as Apple Health writes it: local time with its offset ("2026-11-02 08:00:05 +0100"). */
export function healthDateText(ms: number, offsetMin = 60): string {
  const local = new Date(ms + offsetMin * 60_000).toISOString()
  const sign = offsetMin < 0 ? '-' : '+'
  const abs = Math.abs(offsetMin)
  return `${local.slice(0, 10)} ${local.slice(11, 19)} ${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`
}

export interface HealthRecord {
  type: 'HKQuantityTypeIdentifierHeartRate' | 'HKQuantityTypeIdentifierStepCount' | 'HKCategoryTypeIdentifierSleepAnalysis' | 'HKQuantityTypeIdentifierBodyMass'
  source: string
  startMs: number
  endMs: number
  value: string | number
}

/** The head of an export.xml as the Health app writes it, with its internal DTD subset. */
export const HEALTH_HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
]>
<HealthData locale="en_CH">
 <ExportDate value="2026-11-03 09:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-01-01" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
`

export function healthRecordXml(r: HealthRecord): string {
  const unit = r.type === 'HKQuantityTypeIdentifierHeartRate' ? ' unit="count/min"' : r.type === 'HKQuantityTypeIdentifierStepCount' ? ' unit="count"' : r.type === 'HKQuantityTypeIdentifierBodyMass' ? ' unit="kg"' : ''
  const device = r.source.includes('Watch') ? ' device="&lt;&lt;HKDevice: 0x283f&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,1, software:10.1&gt;"' : ''
  return ` <Record type="${r.type}" sourceName="${r.source}" sourceVersion="10.1"${device}${unit} creationDate="${healthDateText(r.endMs)}" startDate="${healthDateText(r.startMs)}" endDate="${healthDateText(r.endMs)}" value="${r.value}">
  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>
 </Record>
`
}

export function healthExport(records: readonly HealthRecord[]): string {
  return HEALTH_HEAD + records.map(healthRecordXml).join('') + '</HealthData>\n'
}
