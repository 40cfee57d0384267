/**
 * Fit n tiles on one screen without scrolling: choose the column count whose tiles come closest to the
 * intended shape (a little wider than tall) while all rows fit. Up to 60 tiles on a 1080p TV gives about
 * 240 × 160 px each: HR digits of ~70 px, readable from 5 m.
 */
export function gridFor(n: number, width: number, height: number, aspect = 1.4): { cols: number; rows: number } {
  let best = { cols: 1, rows: Math.max(1, n), score: Infinity }
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols)
    const w = width / cols
    const h = height / rows
    const score = Math.abs(Math.log(w / h / aspect))
    if (score < best.score) best = { cols, rows, score }
  }
  return { cols: best.cols, rows: best.rows }
}
