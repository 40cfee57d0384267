/**
 * Effort points: a live score per minute by zone, the kind of number commercial class systems show (MYZONE's
 * "MEPs" award 1–4 points per minute from 50 % of HRmax upwards). The weights are configurable per gym;
 * the default gives 1, 2, 3, 4 and 4 points a minute in zones 1–5 and nothing at rest, so that sitting
 * still scores zero and the top zone is not a reward for artefacts.
 */
export const DEFAULT_EFFORT_POINTS_PER_MIN = [0, 1, 2, 3, 4, 4] as const

export function effortPoints(secondsInZone: readonly number[], perMinute: readonly number[] = DEFAULT_EFFORT_POINTS_PER_MIN): number {
  return secondsInZone.reduce((sum, s, zone) => sum + (s / 60) * (perMinute[zone] ?? 0), 0)
}
