/**
 * Every dashboard, by file name. `npm run grafana:build` writes them to grafana/dashboards/, where
 * Grafana's file provider (provisioning/dashboards/pulseline.yaml) picks them up.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { gymOverview } from './dashboards/gym-overview.js'
import { memberDeepDive } from './dashboards/member.js'
import { equipmentDashboard } from './dashboards/equipment.js'
import { sleepSteps } from './dashboards/sleep-steps.js'
import { pipelineHealth } from './dashboards/pipeline.js'

export const DASHBOARDS: Record<string, () => dashboard.DashboardBuilder> = {
  'gym-overview': gymOverview,
  'member-deep-dive': memberDeepDive,
  equipment: equipmentDashboard,
  'sleep-steps': sleepSteps,
  'pipeline-health': pipelineHealth,
}

export function dashboardJson(name: string): string {
  return JSON.stringify(DASHBOARDS[name]!().build(), null, 2) + '\n'
}

export { DATASOURCE } from './influxql.js'
export * from './macros.js'
