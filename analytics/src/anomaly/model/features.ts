/**
 * The model's input: the last `WINDOW` readings of a series, centred on their mean and divided by a scale
 * (10 bpm for heart rate), clipped to ±4. Centring makes the model judge the *shape* of the signal (spikes,
 * steps, oscillation, locking), which transfers between members whose HR levels differ; level problems are
 * the rules' job. Pure: no TensorFlow here.
 */
export const WINDOW = 30
export const HR_SCALE_BPM = 10
const CLIP = 4

/** Writes the features of `values[end − WINDOW + 1 .. end]` into `out` at `offset`; short starts repeat the first value. */
export function writeWindow(values: ArrayLike<number>, end: number, scale: number, out: Float32Array, offset: number): void {
  let sum = 0
  for (let k = 0; k < WINDOW; k++) sum += values[Math.max(0, end - WINDOW + 1 + k)]!
  const mean = sum / WINDOW
  for (let k = 0; k < WINDOW; k++) {
    const v = (values[Math.max(0, end - WINDOW + 1 + k)]! - mean) / scale
    out[offset + k] = v > CLIP ? CLIP : v < -CLIP ? -CLIP : v
  }
}

/** Features of every window ending at the given indices, as one row-major [n, WINDOW] block. */
export function windows(values: ArrayLike<number>, ends: readonly number[], scale = HR_SCALE_BPM): Float32Array {
  const out = new Float32Array(ends.length * WINDOW)
  ends.forEach((end, i) => writeWindow(values, end, scale, out, i * WINDOW))
  return out
}

/**
 * Reconstruction error → score in [0, 1): err / (err + reference), where the reference is a high
 * percentile of the errors on clean training windows. A typical clean window scores well under 0.5; 0.9
 * means nine times the reference error.
 */
export function calibratedScore(error: number, referenceError: number): number {
  return error / (error + referenceError)
}

/** 1.4826 × median absolute deviation: an SD that a few outliers cannot inflate. */
export function robustSd(values: readonly number[]): number {
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b)
    return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
  }
  const m = median([...values])
  return 1.4826 * median(values.map((v) => Math.abs(v - m)))
}
