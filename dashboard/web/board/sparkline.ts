/** A two-minute HR sparkline on a canvas: the cheapest thing that can redraw 60 times a second on a TV. */
export const SPARK_WINDOW_MS = 120_000

export class Sparkline {
  private points: Array<[number, number]> = []

  constructor(private readonly canvas: HTMLCanvasElement) {}

  add(t: number, hr: number): void {
    const last = this.points.at(-1)
    if (last && t <= last[0]) return
    this.points.push([t, hr])
    const cutoff = t - SPARK_WINDOW_MS
    while (this.points.length > 0 && this.points[0]![0] < cutoff) this.points.shift()
  }

  /** Back-filled history: merged in time order, duplicates dropped. */
  merge(points: ReadonlyArray<[number, number]>): void {
    const all = new Map(this.points.map((p) => [p[0], p[1]]))
    for (const [t, hr] of points) all.set(t, hr)
    const newest = Math.max(...all.keys())
    this.points = [...all].filter(([t]) => t >= newest - SPARK_WINDOW_MS).sort((a, b) => a[0] - b[0])
  }

  get length(): number {
    return this.points.length
  }

  /** The largest gap between consecutive points (ms), for tests of back-fill. */
  get largestGapMs(): number {
    let gap = 0
    for (let i = 1; i < this.points.length; i++) gap = Math.max(gap, this.points[i]![0] - this.points[i - 1]![0])
    return gap
  }

  private boxWidth = -1
  private boxHeight = -1

  /**
   * Reads the canvas's size. The board measures every tile of a frame before it changes any (one layout per
   * frame): reading a size after another tile's text changed forces a layout per tile.
   */
  measure(): void {
    this.boxWidth = this.canvas.clientWidth
    this.boxHeight = this.canvas.clientHeight
  }

  draw(colour: string): void {
    const c = this.canvas
    if (this.boxWidth < 0) this.measure()
    const w = this.boxWidth
    const h = this.boxHeight
    if (w === 0 || h === 0) return
    // Resize the backing store only when the box changed: reallocating it on every draw costs more than drawing.
    const bw = Math.round(w * devicePixelRatio)
    const bh = Math.round(h * devicePixelRatio)
    if (c.width !== bw || c.height !== bh) {
      c.width = bw
      c.height = bh
    }
    const ctx = c.getContext('2d')!
    ctx.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0)
    ctx.clearRect(0, 0, w, h)
    if (this.points.length < 2) return
    const newest = this.points.at(-1)![0]
    let lo = Infinity
    let hi = -Infinity
    for (const [, hr] of this.points) {
      lo = Math.min(lo, hr)
      hi = Math.max(hi, hr)
    }
    lo -= 5
    hi += 5
    const x = (t: number) => w - ((newest - t) / SPARK_WINDOW_MS) * w
    const y = (hr: number) => h - ((hr - lo) / (hi - lo)) * h
    ctx.beginPath()
    this.points.forEach(([t, hr], i) => (i === 0 ? ctx.moveTo(x(t), y(hr)) : ctx.lineTo(x(t), y(hr))))
    ctx.strokeStyle = colour
    ctx.lineWidth = 2
    ctx.stroke()
  }
}
