import type { PulselineError } from '@pulseline/protocol'

/** The error a call refuses with; fails the test when it does not refuse. */
export function refusal(f: () => unknown): PulselineError {
  try {
    f()
  } catch (err) {
    return err as PulselineError
  }
  throw new Error('expected a refusal')
}
