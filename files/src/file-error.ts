/**
 * Errors about a member's file, from the one table of codes (protocol/src/errors.ts). The message names the
 * file, the place (byte offset, or line and column) and the reason, as a member fixing an export needs them.
 */
import { PulselineError } from '@pulseline/protocol'

export function corruptFile(file: string, place: string, reason: string): PulselineError {
  return new PulselineError('PL_FILE_CORRUPT', file, place, reason)
}

export function notImportable(file: string, why: string): PulselineError {
  return new PulselineError('PL_FILE_FORMAT', file, why)
}
