/**
 * The one backoff of every retry in Pulseline: ingest's writer, the gateway's BLE reconnects, the
 * browser's live socket, the simulator's resends. Delay before retry number `attempt` (0-based): exponential from `initialMs`, capped at `maxMs`, with
 * "equal jitter" (half fixed, half random) so that many writers recovering together do not retry in
 * lockstep (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015).
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}
