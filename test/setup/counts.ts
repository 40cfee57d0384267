/** Points in InfluxDB per device and measurement, counted on a field every point of that measurement has. */
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { MEASUREMENTS, type Measurement } from '@pulseline/protocol'

const FIELD: Record<Measurement, string> = {
  hr: 'bpm',
  rr: 'rr_ms',
  steps: 'total',
  sleep: 'dur_s',
  equipment: 'elapsed_s',
  device_status: 'battery_pct',
}

/** `sinceMs` limits the count to points at or after that time. */
export async function countsInInflux(influx: InfluxClient, sinceMs?: number): Promise<Map<string, Map<Measurement, number>>> {
  const out = new Map<string, Map<Measurement, number>>()
  const where = sinceMs === undefined ? '' : ` WHERE time >= ${Math.trunc(sinceMs)}ms`
  for (const m of MEASUREMENTS) {
    const rows = rowsOf(await influx.query(`SELECT count("${FIELD[m]}") FROM "${m}"${where} GROUP BY device`))
    for (const row of rows) {
      const device = row.device as string
      if (!out.has(device)) out.set(device, new Map())
      out.get(device)!.set(m, row.count as number)
    }
  }
  return out
}

/** `device/measurement` → count, for one comparison that names what differs. */
export function flatten(counts: Iterable<[string, Iterable<[string, number]>]>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [device, per] of counts) for (const [m, n] of per) out[`${device}/${m}`] = n
  return out
}
