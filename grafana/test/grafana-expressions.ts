/**
 * Grafana's server-side expressions as the alert rules use them, for the test: each query's series reduced
 * to one number (`last`, `min`, `max`, `sum` of the non-null values, mode dropNN), then the rule's math
 * expression over those numbers per label set (a series without labels joins every label set), firing
 * where it is non-zero. A rule whose query returns no series is in its noData state. Only the operators the
 * rules use are accepted: numbers, $names, comparisons, && and ||, and arithmetic.
 */
import type { QuerySeries } from '@pulseline/influx'

export type Reducer = 'last' | 'min' | 'max' | 'sum'

export function reduceSeries(series: QuerySeries[], reducer: Reducer): Map<string, number> {
  const out = new Map<string, number>()
  for (const s of series) {
    const valueColumn = s.columns.findIndex((c) => c !== 'time')
    const values = s.values.map((row) => row[valueColumn]).filter((v): v is number => typeof v === 'number')
    if (values.length === 0) continue
    const reduced = reducer === 'last' ? values[values.length - 1]! : reducer === 'min' ? Math.min(...values) : reducer === 'max' ? Math.max(...values) : values.reduce((a, b) => a + b, 0)
    out.set(labelKey(s.tags ?? {}), reduced)
  }
  return out
}

const labelKey = (tags: Record<string, string>) =>
  Object.entries(tags)
    .filter(([, v]) => v !== '')
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(',')

const SAFE = /^(?:\s|\$[A-Za-z_]+|\d+(?:\.\d+)?(?:e\d+)?|&&|\|\||[<>]=?|==|!=|[-+*/()])*$/

/** Evaluates `condition` over reduced values; returns the label sets where it fires, or 'nodata'. */
export function evaluate(condition: string, reduced: Record<string, Map<string, number>>): string[] | 'nodata' {
  if (!SAFE.test(condition)) throw new Error(`unsupported expression: ${condition}`)
  if (Object.values(reduced).some((m) => m.size === 0)) return 'nodata'
  const keys = new Set<string>()
  for (const m of Object.values(reduced)) for (const k of m.keys()) if (k !== '') keys.add(k)
  if (keys.size === 0) keys.add('')
  const firing: string[] = []
  for (const key of keys) {
    let missing = false
    const expr = condition.replace(/\$([A-Za-z_]+)/g, (_m, name: string) => {
      const values = reduced[name]!
      const v = values.get(key) ?? (values.size === 1 ? values.get('') : undefined)
      if (v === undefined) missing = true
      return String(v ?? 0)
    })
    if (missing) continue
    // Grafana's math: comparisons give 1 or 0; the rule fires where the result is non-zero.
    if (Number(new Function(`return (${expr})`)()) !== 0) firing.push(key)
  }
  return firing
}
