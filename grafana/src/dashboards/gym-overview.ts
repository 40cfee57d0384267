/** Gym overview: who trained, how hard, and how busy the machines were. */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { queries } from '../influxql.js'
import { bars, row, statPanel, tablePanel, timeSeries } from '../panels.js'
import { gymVariable } from '../variables.js'

const GYM = `"gym" =~ /^$gym$/`

export function gymOverview(): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder('Pulseline · Gym overview')
    .uid('pulseline-gym')
    .tags(['pulseline'])
    .time({ from: 'now-7d', to: 'now' })
    .refresh('1m')
    .withVariable(gymVariable())
    .withRow(row('Activity'))
    .withPanel(statPanel('Members active', queries(`SELECT count("n") FROM (SELECT sum("n") AS "n" FROM "hr_1m" WHERE ${GYM} AND $timeFilter GROUP BY "member")`)))
    .withPanel(statPanel('Class sessions', queries(`SELECT count("c") FROM (SELECT count("avg_hr") AS "c" FROM "session_summary" WHERE ${GYM} AND $timeFilter GROUP BY "session")`)))
    .withPanel(statPanel('Member-sessions', queries(`SELECT count("avg_hr") FROM "session_summary" WHERE ${GYM} AND $timeFilter`)))
    .withPanel(statPanel('kcal burned', queries(`SELECT sum("kcal") FROM "session_summary" WHERE ${GYM} AND $timeFilter`), 'short'))
    .withPanel(
      timeSeries('Members training', queries(`SELECT count("n") FROM (SELECT sum("n") AS "n" FROM "hr_1m" WHERE ${GYM} AND $timeFilter GROUP BY time($__interval), "member") GROUP BY time($__interval) fill(0)`)).interval('1m'),
    )
    .withPanel(
      bars(
        'Zone distribution (minutes, all sessions)',
        queries(`SELECT sum("z1_s")/60 AS "Z1 warm up", sum("z2_s")/60 AS "Z2 easy", sum("z3_s")/60 AS "Z3 aerobic", sum("z4_s")/60 AS "Z4 threshold", sum("z5_s")/60 AS "Z5 maximum" FROM "session_summary" WHERE ${GYM} AND $timeFilter`),
        'm',
        12,
        false,
      ),
    )
    .withRow(row('Equipment'))
    .withPanel(
      timeSeries(
        'Machines in use',
        queries(`SELECT count("n") FROM (SELECT max("n") AS "n" FROM "equipment_1m" WHERE ${GYM} AND $timeFilter GROUP BY time($__interval), "device") GROUP BY time($__interval) fill(0)`),
      ).interval('1m'),
    )
    .withPanel(
      bars('Utilisation by machine type (machine-minutes)', queries(`SELECT count("n") AS "minutes" FROM "equipment_1m" WHERE ${GYM} AND $timeFilter GROUP BY "machine"`), 'm', 12, false),
    )
    .withRow(row('Alerts'))
    .withPanel(tablePanel('Anomalies', queries(`SELECT "detected_ms", "type", "severity", "member", "device" FROM "anomaly" WHERE ${GYM} AND $timeFilter`), 24))
}
