/**
 * Training impulse.
 *
 * Banister TRIMP (Banister, "Modeling elite athletic performance", in Physiological Testing of the
 * High-Performance Athlete, 1991; Morton, Fitz-Clarke & Banister, J Appl Physiol 1990;69:1171–1177):
 *   TRIMP = Σ Δt[min] × x × a × e^(b x),   x = (HR − HRrest) / (HRmax − HRrest)
 *   men a = 0.64, b = 1.92;  women a = 0.86, b = 1.67.
 * The female coefficients vary between secondary sources (some print b = 1.67 with a = 0.64, or other
 * weightings): we use 0.86 and 1.67, the pair Morton et al. fitted to the blood-lactate curve of women and
 * the one Banister's chapter reproduces.
 *
 * Edwards TRIMP (S. Edwards, "The Heart Rate Monitor Book", 1993): minutes in 50–60 / 60–70 / 70–80 /
 * 80–90 / 90–100 % of HRmax weighted 1 / 2 / 3 / 4 / 5. Time is real time between readings, as for zones.
 */
export const BANISTER = { male: { a: 0.64, b: 1.92 }, female: { a: 0.86, b: 1.67 } } as const

/** Banister TRIMP per minute at a heart rate (x is clamped to [0, 1]). */
export function banisterPerMin(hr: number, restingHr: number, hrMax: number, sex: 'female' | 'male' | undefined): number {
  const x = Math.min(1, Math.max(0, (hr - restingHr) / (hrMax - restingHr)))
  if (sex === undefined) return (BANISTER.male.a * Math.exp(BANISTER.male.b * x) + BANISTER.female.a * Math.exp(BANISTER.female.b * x)) * (x / 2)
  const { a, b } = BANISTER[sex]
  return x * a * Math.exp(b * x)
}

export const EDWARDS_WEIGHTS = [0, 1, 2, 3, 4, 5] as const

/** Edwards TRIMP from seconds in %HRmax zones 0..5 (zone 0, below 50 %, weighs nothing). */
export function edwardsTrimp(secondsInPercentMaxZone: readonly number[]): number {
  return secondsInPercentMaxZone.reduce((sum, s, zone) => sum + (s / 60) * (EDWARDS_WEIGHTS[zone] ?? 0), 0)
}
