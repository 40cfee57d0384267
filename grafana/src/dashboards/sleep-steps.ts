/** Sleep and steps: nightly stages and daily steps against a goal, per member. */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { queries } from '../influxql.js'
import { bars, row, timeSeries } from '../panels.js'
import { gymVariable, memberVariable } from '../variables.js'

const MEMBER = `"member" =~ /^$member$/`
/** The classic 10,000 steps; the variable lets an analyst set another goal. */
const goal = () =>
  new dashboard.CustomVariableBuilder('goal').label('Daily step goal').values('10000,7500,12000').current({ text: '10000', value: '10000' })

export function sleepSteps(): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder('Pulseline · Sleep and steps')
    .uid('pulseline-sleep-steps')
    .tags(['pulseline'])
    .time({ from: 'now-30d', to: 'now' })
    .withVariable(gymVariable())
    .withVariable(memberVariable())
    .withVariable(goal())
    .withRow(row('Sleep'))
    .withPanel(
      bars(
        'Nightly stages (minutes)',
        queries(`SELECT "deep_min" AS "deep", "light_min" AS "light", "rem_min" AS "REM", "asleep_min" AS "asleep (unstaged)", "awake_min" AS "awake" FROM "sleep_daily" WHERE ${MEMBER} AND $timeFilter`),
        'm',
        24,
      ),
    )
    .withPanel(timeSeries('Total sleep and time in bed', queries([`SELECT mean("total_sleep_min") / 60 FROM "sleep_daily" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'asleep'], [`SELECT mean("in_bed_min") / 60 FROM "sleep_daily" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'in bed']), 'h').interval('1d'))
    .withPanel(timeSeries('Efficiency, latency and WASO', queries([`SELECT mean("efficiency_pct") FROM "sleep_daily" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'efficiency %'], [`SELECT mean("latency_min") FROM "sleep_daily" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'latency min'], [`SELECT mean("waso_min") FROM "sleep_daily" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'WASO min'])).interval('1d'))
    .withRow(row('Steps'))
    .withPanel(bars('Daily steps against the goal', queries([`SELECT "steps", "steps" * 0 + $goal AS "goal" FROM "steps_daily" WHERE ${MEMBER} AND $timeFilter`, 'steps']), 'short', 12, false))
    .withPanel(timeSeries('Active minutes (≥ 100 steps/min) and cadence', queries([`SELECT mean("active_min") FROM "steps_daily" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'active minutes'], [`SELECT mean("mean_active_cadence") FROM "steps_daily" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'mean active cadence']), 'short').interval('1d'))
    .withPanel(timeSeries('Steps per hour', queries([`SELECT sum("steps") FROM "steps_hourly" WHERE ${MEMBER} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'steps']), 'short', 24).interval('1h'))
}
