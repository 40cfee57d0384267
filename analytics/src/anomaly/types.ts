/**
 * What the detectors report. An anomaly is an episode: it is raised once when it starts (with the evidence
 * that decided it) and not again until the signal has been normal for a while, so a coach sees one alert per
 * problem, not one per second.
 */
// The types are part of the wire contract (the tile and the anomaly event), so protocol/ declares them.
import { ANOMALY_TYPES, SEVERITIES, type AnomalyType, type Severity } from '@pulseline/protocol'
export { ANOMALY_TYPES, SEVERITIES, type AnomalyType, type Severity }

export interface Anomaly {
  type: AnomalyType
  severity: Severity
  /** When the anomalous signal began, as far as the evidence shows (ms). */
  startMs: number
  /** When the detector decided (ms): detection delay is detectedMs − the true start. */
  detectedMs: number
  /** The numbers that decided it, for the coach's tooltip and for InfluxDB. */
  evidence: Record<string, number>
}

/** One reading of a member's HR stream, with what the member's equipment reported at the same time. */
export interface SignalPoint {
  t: number
  hr: number
  /** RR intervals delivered with this reading (chest straps). */
  rr?: readonly number[]
  /** Cadence from a footpod, watch or machine: steps or revolutions per minute. */
  cadence?: number
  /** Mechanical load from a machine: power (W). */
  powerW?: number
}
