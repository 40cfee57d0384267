/**
 * Grafana's InfluxQL macro and variable substitution, as Grafana does it, so that a test (or an analyst's
 * script) can run a panel's query against InfluxDB directly:
 *
 *   $timeFilter   time >= {from}ms and time <= {to}ms
 *   $__interval   the range divided by the panel's max data points, rounded to a "nice" interval and never
 *                 below the panel's minimum interval (`interval` on the panel, or the datasource's 10 s)
 *   $var          a template variable's value; inside a regex (/^$var$/) the value is regex-escaped
 */
const NICE_MS = [1, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_200_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 604_800_000, 2_592_000_000, 31_536_000_000]

export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(text)
  if (!m) throw new Error(`not a duration: ${text}`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }[m[2] as 'ms']
  return Number(m[1]) * unit
}

export function formatInterval(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`
  return `${ms}ms`
}

export function interval(fromMs: number, toMs: number, maxDataPoints = 1000, minInterval = '10s'): string {
  const raw = Math.max((toMs - fromMs) / maxDataPoints, parseDuration(minInterval))
  return formatInterval(NICE_MS.find((n) => n >= raw) ?? raw)
}

const escapeRegex = (value: string) => value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&')

export function substitute(query: string, range: { fromMs: number; toMs: number }, variables: Record<string, string>, minInterval?: string): string {
  let q = query.replace(/\$timeFilter/g, `time >= ${range.fromMs}ms and time <= ${range.toMs}ms`)
  q = q.replace(/\$__interval/g, interval(range.fromMs, range.toMs, 1000, minInterval))
  // Inside /.../ regexes, values are escaped; elsewhere they go in as they are.
  q = q.replace(/\/\^\$(\w+)\$\//g, (_m, name: string) => `/^${escapeRegex(variables[name] ?? '')}$/`)
  return q.replace(/\$(\w+)/g, (m, name: string) => (name in variables ? variables[name]! : m))
}
