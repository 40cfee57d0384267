/** `analytics` as a process: options from --config / PULSELINE_ANALYTICS_CONFIG and PULSELINE_ANALYTICS_* variables. */
import pino from 'pino'
import { runService } from '@pulseline/config'
import { AnalyticsOptionsSchema, resolveAnalyticsOptions } from './service/options.js'
import { startAnalytics } from './service/service.js'

await runService('PULSELINE_ANALYTICS', AnalyticsOptionsSchema, resolveAnalyticsOptions, (o) => startAnalytics(o, pino({ name: 'analytics' })), (s) => ({ backend: s.backend }))
