import { optionsReference } from '@pulseline/config'
import { INGEST_DEFAULTS, IngestOptionsSchema } from '@pulseline/ingest'

/** The configuration reference as it belongs in the README. */
export function configReference(): string {
  return [
    '### ingest',
    '',
    'Options come from a JSON file (`--config FILE` or `PULSELINE_INGEST_CONFIG`) and from environment variables; the environment wins. Unknown keys are refused at start-up.',
    '',
    optionsReference('ingest', 'PULSELINE_INGEST', IngestOptionsSchema, INGEST_DEFAULTS),
  ].join('\n')
}
