/** `ingest` as a process: options from --config / PULSELINE_INGEST_CONFIG and PULSELINE_INGEST_* variables. */
import { runService } from '@pulseline/config'
import { IngestOptionsSchema, resolveIngestOptions } from './options.js'
import { startIngest } from './service.js'

await runService('PULSELINE_INGEST', IngestOptionsSchema, resolveIngestOptions, (o) => startIngest(o), (s) => ({ mqttPort: s.mqttPort, wsPort: s.wsPort, httpPort: s.httpPort }))
