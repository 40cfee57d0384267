/**
 * Energy expenditure from heart rate: Keytel et al., "Prediction of energy expenditure from heart rate
 * monitoring during submaximal exercise", J Sports Sci 2005;23(3):289–297. EE in kJ/min, HR in bpm,
 * W body mass in kg, A age in years, VO2max in ml/kg/min:
 *
 *   male    −55.0969 + 0.6309 HR + 0.1988 W + 0.2017 A
 *   female  −20.4022 + 0.4472 HR − 0.1263 W + 0.0740 A
 *   with VO2max:
 *   male    −95.7735 + 0.634 HR + 0.404 VO2max + 0.394 W + 0.271 A
 *   female  −59.3954 + 0.450 HR + 0.380 VO2max + 0.103 W + 0.274 A
 *
 * Where it is valid: fitted on 115 regularly exercising adults aged 18–45, body mass 47–120 kg, VO2max
 * 27–81, in steady-state treadmill or cycle exercise at 57–90 % of HRmax. Outside that (rest, very high
 * HR, older members) it is an extrapolation: `keytelValidity` says so, and the live path counts nothing
 * below `minFractionOfHrMax` (where the equations run towards zero or negative values).
 */
export const KJ_PER_KCAL = 4.184

export interface CalorieInputs {
  /** Unknown sex takes the mean of the two equations, rather than silently assuming one. */
  sex: 'female' | 'male' | undefined
  weightKg: number
  age: number
  vo2max?: number
}

/** kJ per minute at this heart rate (never negative). */
export function keytelKjPerMin(hr: number, p: CalorieInputs): number {
  if (p.sex === undefined) return (keytelKjPerMin(hr, { ...p, sex: 'female' }) + keytelKjPerMin(hr, { ...p, sex: 'male' })) / 2
  let ee: number
  if (p.vo2max !== undefined) {
    ee = p.sex === 'male'
      ? -95.7735 + 0.634 * hr + 0.404 * p.vo2max + 0.394 * p.weightKg + 0.271 * p.age
      : -59.3954 + 0.45 * hr + 0.38 * p.vo2max + 0.103 * p.weightKg + 0.274 * p.age
  } else {
    ee = p.sex === 'male'
      ? -55.0969 + 0.6309 * hr + 0.1988 * p.weightKg + 0.2017 * p.age
      : -20.4022 + 0.4472 * hr - 0.1263 * p.weightKg + 0.074 * p.age
  }
  return Math.max(0, ee)
}

export function keytelKcalPerMin(hr: number, p: CalorieInputs): number {
  return keytelKjPerMin(hr, p) / KJ_PER_KCAL
}

/** Reasons the equation is being extrapolated for this member at this HR; empty when inside its data. */
export function keytelValidity(hr: number, hrMax: number, p: CalorieInputs): string[] {
  const out: string[] = []
  if (p.age < 18 || p.age > 45) out.push('age outside 18–45')
  if (p.weightKg < 47 || p.weightKg > 120) out.push('body mass outside 47–120 kg')
  if (p.vo2max !== undefined && (p.vo2max < 27 || p.vo2max > 81)) out.push('VO2max outside 27–81')
  const f = hr / hrMax
  if (f < 0.57 || f > 0.9) out.push('HR outside 57–90 % of HRmax')
  return out
}
