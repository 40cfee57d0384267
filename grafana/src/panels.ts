/** Panel shapes used across the dashboards, so each dashboard file reads as a list of questions and queries. */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as table from '@grafana/grafana-foundation-sdk/table'
import * as barchart from '@grafana/grafana-foundation-sdk/barchart'
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap'
import type { InfluxQL } from './influxql.js'

export const ZONE_COLOURS = ['#8e8e8e', '#5794f2', '#73bf69', '#fade2a', '#ff9830', '#f2495c']

export function timeSeries(title: string, targets: InfluxQL[], unit = 'short', width = 12): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder().title(title).targets(targets).unit(unit).span(width).height(8).lineWidth(1).fillOpacity(10).spanNulls(false)
}

/** A time series with the five %HRmax zone bands behind it. */
export function zoneBands(title: string, targets: InfluxQL[]): timeseries.PanelBuilder {
  return timeSeries(title, targets, 'percent')
    .min(40)
    .max(105)
    .thresholds(
      new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
        { value: null, color: ZONE_COLOURS[0]! },
        { value: 50, color: ZONE_COLOURS[1]! },
        { value: 60, color: ZONE_COLOURS[2]! },
        { value: 70, color: ZONE_COLOURS[3]! },
        { value: 80, color: ZONE_COLOURS[4]! },
        { value: 90, color: ZONE_COLOURS[5]! },
      ]),
    )
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Area))
}

export function statPanel(title: string, targets: InfluxQL[], unit = 'short', width = 6): stat.PanelBuilder {
  return new stat.PanelBuilder().title(title).targets(targets).unit(unit).span(width).height(4).reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
}

export function tablePanel(title: string, targets: InfluxQL[], width = 12): table.PanelBuilder {
  return new table.PanelBuilder().title(title).targets(targets.map((t) => t.table())).span(width).height(8)
}

export function bars(title: string, targets: InfluxQL[], unit = 'short', width = 12, stacked = true): barchart.PanelBuilder {
  const panel = new barchart.PanelBuilder().title(title).targets(targets.map((t) => t.table())).unit(unit).span(width).height(8)
  return stacked ? panel.stacking(common.StackingMode.Normal) : panel
}

export function heat(title: string, targets: InfluxQL[], width = 12): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder().title(title).targets(targets).span(width).height(8)
}

export function row(title: string): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title)
}
