/**
 * Every InfluxQL query in the code that reads Pulseline's series (the dashboard's history, Grafana's
 * dashboards and alerts, analytics' rollups, reattribution, erasure) names only measurements, fields and
 * tags the series declaration (protocol/src/series.ts) declares. A field renamed in one place and not in
 * another would otherwise show as an empty panel, not as an error.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { SERIES, fieldTypeOf, type SeriesName } from '@pulseline/protocol'

const ROOT = join(import.meta.dirname, '../..')
// Where InfluxQL is written; registry/ and ops/ hold SQL for the registry's own tables.
const SOURCES = ['dashboard/src', 'grafana/src', 'analytics/src', 'ingest/src']

/** InfluxQL's keywords and functions that may stand in a SELECT list (InfluxQL reference, "Functions"). */
const INFLUXQL_WORDS = new Set(
  'select as distinct mean median mode min max sum count first last spread stddev percentile integral derivative non_negative_derivative difference non_negative_difference moving_average cumulative_sum elapsed top bottom sample abs round floor ceil time fill none null'.split(' '),
)

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f))
}

interface Query {
  file: string
  select: string
  measurement: string
}

/** SELECT lists with the measurement they read; a subquery's outer SELECT (FROM "(") reads the inner one's aliases and is skipped. */
function queriesIn(file: string): Query[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  return [...text.matchAll(/SELECT\s+([^`]*?)\s+FROM\s+(\(|"?([A-Za-z_][A-Za-z0-9_]*)"?)/g)]
    .filter((m) => m[2] !== '(')
    .map((m) => ({ file, select: m[1]!, measurement: m[3]! }))
}

/** Names a SELECT list reads: quoted identifiers and bare words, less functions, aliases (after AS), ${…} and $params. */
function namesRead(select: string): string[] {
  const withoutTemplates = select.replace(/\$\{[^}]*\}/g, ' ').replace(/\$[A-Za-z_]+/g, ' ').replace(/'[^']*'/g, ' ')
  const withoutAliases = withoutTemplates.replace(/\bAS\s+("[^"]*"|[A-Za-z_][A-Za-z0-9_]*)/gi, ' ')
  return [...withoutAliases.matchAll(/"([^"]+)"|\b([A-Za-z_][A-Za-z0-9_]*)\b/g)].map((m) => m[1] ?? m[2]!).filter((w) => !INFLUXQL_WORDS.has(w.toLowerCase()))
}

describe('queries against the series declaration', () => {
  const queries = SOURCES.flatMap(sourceFiles).flatMap(queriesIn)

  it('finds the queries (the scan is not vacuous)', () => {
    expect(queries.length).toBeGreaterThan(40)
    expect(new Set(queries.map((q) => q.file.split('/')[0])).size).toBeGreaterThanOrEqual(3)
  })

  it('reads only declared measurements, fields and tags', () => {
    const unknown: string[] = []
    for (const q of queries) {
      if (!(q.measurement in SERIES)) {
        unknown.push(`${q.file}: measurement ${q.measurement}`)
        continue
      }
      const m = q.measurement as SeriesName
      for (const name of namesRead(q.select)) {
        if (name === '*' || fieldTypeOf(m, name) !== undefined || (SERIES[m].tags as readonly string[]).includes(name)) continue
        unknown.push(`${q.file}: ${m}.${name} in SELECT ${q.select.slice(0, 80)}`)
      }
    }
    expect(unknown).toEqual([])
  })
})
