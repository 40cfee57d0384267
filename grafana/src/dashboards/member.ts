/** Member deep-dive: one member's HR against their zones, time in zones, load and recovery over time. */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { queries } from '../influxql.js'
import { bars, row, tablePanel, timeSeries, zoneBands } from '../panels.js'
import { anomalyAnnotations, gymVariable, memberVariable } from '../variables.js'

const MEMBER = `"member" =~ /^$member$/`

export function memberDeepDive(): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder('Pulseline · Member deep-dive')
    .uid('pulseline-member')
    .tags(['pulseline'])
    .time({ from: 'now-30d', to: 'now' })
    .withVariable(gymVariable())
    .withVariable(memberVariable())
    .annotation(anomalyAnnotations(MEMBER))
    .withRow(row('Heart rate'))
    // Long ranges read the 1-minute rollup; the raw panel is for the last hours.
    .withPanel(timeSeries('HR (1-minute rollup): mean, min, max', queries([`SELECT mean("mean") FROM "hr_1m" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'mean'], [`SELECT min("min") FROM "hr_1m" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'min'], [`SELECT max("max") FROM "hr_1m" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'max']), 'bpm').interval('1m'))
    .withPanel(zoneBands('HR as % of HRmax, with the zones', queries([`SELECT mean("pct_max") FROM "effort" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, '% HRmax'])))
    .withPanel(timeSeries('HR, raw (last 3 hours)', queries([`SELECT mean("bpm") FROM "hr" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'bpm']), 'bpm', 24).timeFrom('3h'))
    .withRow(row('Sessions'))
    .withPanel(
      bars(
        'Time in zones per session (minutes)',
        queries(`SELECT "z1_s"/60 AS "Z1", "z2_s"/60 AS "Z2", "z3_s"/60 AS "Z3", "z4_s"/60 AS "Z4", "z5_s"/60 AS "Z5" FROM "session_summary" WHERE ${MEMBER} AND $timeFilter`),
        'm',
      ),
    )
    .withPanel(
      timeSeries('TRIMP and calories per day', queries([`SELECT sum("banister_trimp") FROM "session_summary" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'TRIMP (Banister)'], [`SELECT sum("kcal") FROM "session_summary" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'kcal'])).interval('1d'),
    )
    .withPanel(tablePanel('Sessions', queries(`SELECT "avg_hr", "max_hr", "kcal", "banister_trimp", "edwards_trimp", "points", "peak_1min_hr", "hrr_1min", "session" FROM "session_summary" WHERE ${MEMBER} AND $timeFilter`), 24))
    .withRow(row('Recovery'))
    // One query over both measurements: nightly RMSSD (daily_baseline) and in-class RMSSD (effort, straps only).
    .withPanel(timeSeries('HRV: RMSSD at night and in class', queries([`SELECT mean("rmssd_ms") FROM "daily_baseline", "effort" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, '$measurement']), 'ms').interval('1h'))
    .withPanel(timeSeries('Resting HR (lowest 5-minute mean of the day)', queries([`SELECT mean("resting_hr") FROM "daily_baseline" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'resting HR']), 'bpm').interval('1d'))
}
