/** Template variables shared by the dashboards: the gym, and a member of it. */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { DATASOURCE } from './influxql.js'

export function gymVariable(): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder('gym')
    .label('Gym')
    .datasource(DATASOURCE)
    .query('SHOW TAG VALUES FROM "hr_1m" WITH KEY = "gym"')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
}

export function memberVariable(): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder('member')
    .label('Member')
    .datasource(DATASOURCE)
    .query('SHOW TAG VALUES FROM "hr_1m" WITH KEY = "member" WHERE "gym" =~ /^$gym$/')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
}

/** Anomalies as annotations, for the member's time series panels. */
export function anomalyAnnotations(filter: string): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('Anomalies')
    .datasource(DATASOURCE)
    .enable(true)
    .iconColor('red')
    .target({
      build: () =>
        ({
          refId: 'Anno',
          datasource: DATASOURCE,
          query: `SELECT "detected_ms", "type", "severity" FROM "anomaly" WHERE ${filter} AND $timeFilter`,
          rawQuery: true,
          resultFormat: 'table',
          _implementsDataqueryVariant() {},
        }) as never,
    })
}
