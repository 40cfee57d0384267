/**
 * An InfluxQL target for Grafana's InfluxDB datasource. The foundation SDK has no builder for it, so this
 * is the one small builder Pulseline adds: raw InfluxQL (what the panel test runs), the result format and
 * an alias. Queries use Grafana's `$timeFilter` and `$__interval` so that panels scale from 5 minutes to a
 * year, and `=~ /^$var$/` for template variables (Grafana regex-escapes the values it substitutes there).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog'

export const DATASOURCE = { type: 'influxdb', uid: 'pulseline-influxdb' } as const

export interface InfluxQLTarget extends cog.Dataquery {
  refId: string
  datasource: typeof DATASOURCE
  query: string
  rawQuery: true
  resultFormat: 'time_series' | 'table'
  alias?: string
}

export class InfluxQL implements cog.Builder<cog.Dataquery> {
  private target: Omit<InfluxQLTarget, '_implementsDataqueryVariant'>

  constructor(query: string, refId = 'A') {
    this.target = { refId, datasource: DATASOURCE, query: query.replace(/\s+/g, ' ').trim(), rawQuery: true, resultFormat: 'time_series' }
  }

  table(): this {
    this.target.resultFormat = 'table'
    return this
  }

  alias(alias: string): this {
    this.target.alias = alias
    return this
  }

  build(): cog.Dataquery {
    return { ...this.target, _implementsDataqueryVariant() {} } as InfluxQLTarget
  }
}

/** Shorthand for a list of targets with refIds A, B, C, ... */
export function queries(...list: Array<string | [string, string]>): InfluxQL[] {
  return list.map((q, i) => {
    const [query, alias] = Array.isArray(q) ? q : [q, undefined]
    const target = new InfluxQL(query, String.fromCharCode(65 + i))
    return alias ? target.alias(alias) : target
  })
}
