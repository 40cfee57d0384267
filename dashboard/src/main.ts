/** The dashboard as a process: options from --config / PULSELINE_DASHBOARD_CONFIG and PULSELINE_DASHBOARD_* variables. */
import { runService } from '@pulseline/config'
import { DashboardOptionsSchema, resolveDashboardOptions } from './options.js'
import { startDashboard } from './server.js'

await runService('PULSELINE_DASHBOARD', DashboardOptionsSchema, resolveDashboardOptions, startDashboard, (s) => ({ url: s.url }))
