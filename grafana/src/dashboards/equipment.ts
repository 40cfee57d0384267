/** Equipment: power, speed and cadence by machine, and when the machines are used. */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { queries } from '../influxql.js'
import { heat, row, timeSeries } from '../panels.js'
import { gymVariable } from '../variables.js'

const GYM = `"gym" =~ /^$gym$/`

export function equipmentDashboard(): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder('Pulseline · Equipment')
    .uid('pulseline-equipment')
    .tags(['pulseline'])
    .time({ from: 'now-7d', to: 'now' })
    .withVariable(gymVariable())
    .withRow(row('By machine'))
    .withPanel(timeSeries('Power by machine', queries([`SELECT mean("power_w") FROM "equipment_1m" WHERE ${GYM} AND $timeFilter GROUP BY time($__interval), "device" fill(none)`, '$tag_device']), 'watt').interval('1m'))
    .withPanel(timeSeries('Speed by machine', queries([`SELECT mean("speed_kmh") FROM "equipment_1m" WHERE ${GYM} AND $timeFilter GROUP BY time($__interval), "device" fill(none)`, '$tag_device']), 'velocitykmh').interval('1m'))
    .withPanel(timeSeries('Cadence and stroke rate by machine', queries([`SELECT mean("cadence_rpm") FROM "equipment_1m" WHERE ${GYM} AND $timeFilter GROUP BY time($__interval), "device" fill(none)`, '$tag_device rpm'], [`SELECT mean("stroke_rate_spm") FROM "equipment_1m" WHERE ${GYM} AND $timeFilter GROUP BY time($__interval), "device" fill(none)`, '$tag_device strokes/min']), 'short').interval('1m'))
    .withPanel(timeSeries('Peak power by machine type', queries([`SELECT max("power_w_max") FROM "equipment_1m" WHERE ${GYM} AND $timeFilter GROUP BY time($__interval), "machine" fill(none)`, '$tag_machine']), 'watt').interval('1m'))
    .withRow(row('Usage'))
    .withPanel(heat('Usage heatmap: machines in use', queries(`SELECT count("n") FROM (SELECT max("n") AS "n" FROM "equipment_1m" WHERE ${GYM} AND $timeFilter GROUP BY time($__interval), "device") GROUP BY time($__interval) fill(0)`), 24).interval('15m'))
}
