/** The member's history charts, in uPlot: HR with zone bands, equipment metrics, nightly sleep stages, daily steps. */
import uPlot from 'uplot'
import { ZONE_COLOURS } from '../common/zones.js'

const AXIS = { stroke: '#9ca3af', grid: { stroke: '#1f2937' }, ticks: { stroke: '#374151' } }
const width = (el: HTMLElement) => Math.max(320, el.clientWidth)
const secs = (ms: number) => ms / 1000

/** The time span a chart shows (ms): the range the member chose, not whatever the data happens to cover. */
export interface Span {
  from: number
  to: number
}

function chart(el: HTMLElement, opts: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData, span?: Span): uPlot {
  el.replaceChildren()
  // Without a fixed x range uPlot fits the axis to the data, and a lone point (a fresh install's one class
  // in "30 days") gets an axis years wide with the point against its edge.
  const scales = span ? { ...opts.scales, x: { time: true, range: [secs(span.from), secs(span.to)] as uPlot.Range.MinMax } } : opts.scales
  const plot = new uPlot({ width: width(el), height: 240, ...opts, scales, axes: opts.axes ?? [AXIS, AXIS] }, data, el)
  // The page's tests read the drawn range from here.
  ;(el as HTMLElement & { plot?: uPlot }).plot = plot
  return plot
}

/** HR over time, with the % HRmax zones (50/60/70/80/90 %) painted behind it. */
export function hrChart(el: HTMLElement, points: Array<{ time: number; hr: number; min: number; max: number }>, hrMax: number | null, span: Span): uPlot {
  const bands: uPlot.Plugin = {
    hooks: {
      drawClear: [
        (u) => {
          if (!hrMax) return
          const ctx = u.ctx
          for (let z = 1; z <= 5; z++) {
            const lo = u.valToPos(hrMax * (0.4 + z * 0.1), 'y', true)
            const hi = u.valToPos(hrMax * (z === 5 ? 1.05 : 0.5 + z * 0.1), 'y', true)
            ctx.fillStyle = `${ZONE_COLOURS[z]}26`
            ctx.fillRect(u.bbox.left, hi, u.bbox.width, lo - hi)
          }
        },
      ],
    },
  }
  return chart(
    el,
    { plugins: [bands], series: [{}, { label: 'HR', stroke: '#f3f4f6', width: 1.5 }, { label: 'min', stroke: '#6b7280' }, { label: 'max', stroke: '#6b7280' }], scales: { y: { range: hrMax ? [40, hrMax * 1.05] : undefined } } },
    [points.map((p) => secs(p.time)), points.map((p) => p.hr), points.map((p) => p.min), points.map((p) => p.max)],
    span,
  )
}

export function equipmentChart(el: HTMLElement, points: Array<{ time: number; power_w: number | null; speed_kmh: number | null; cadence_rpm: number | null }>, span: Span): uPlot {
  const rows = [...points].sort((a, b) => a.time - b.time)
  return chart(
    el,
    {
      series: [{}, { label: 'power W', stroke: '#f97316', scale: 'W' }, { label: 'speed km/h', stroke: '#3b82f6', scale: 'v' }, { label: 'cadence rpm', stroke: '#10b981', scale: 'v' }],
      axes: [AXIS, { ...AXIS, scale: 'W' }, { ...AXIS, scale: 'v', side: 1 }],
    },
    [rows.map((p) => secs(p.time)), rows.map((p) => p.power_w), rows.map((p) => p.speed_kmh), rows.map((p) => p.cadence_rpm)],
    span,
  )
}

const bars = uPlot.paths.bars!({ size: [0.7, 60] })

/** Minutes per stage per night, stacked. */
export function sleepChart(el: HTMLElement, nights: Array<Record<string, number>>): uPlot {
  const stages = ['deep_min', 'light_min', 'rem_min', 'awake_min'] as const
  const colours = ['#1d4ed8', '#60a5fa', '#a78bfa', '#f59e0b']
  const sorted = [...nights].sort((a, b) => a.time! - b.time!)
  // Stacked: each series is the running total, drawn back to front.
  const totals = stages.map((_, i) => sorted.map((n) => stages.slice(0, i + 1).reduce((s, k) => s + (n[k] ?? 0), 0)))
  return chart(
    el,
    { series: [{}, ...stages.map((s, i) => ({ label: s.replace('_min', ''), fill: colours[i], stroke: colours[i], paths: bars })).reverse()] },
    [sorted.map((n) => secs(n.time!)), ...totals.reverse()],
  )
}

export function stepsChart(el: HTMLElement, days: Array<Record<string, number>>, goal = 10_000): uPlot {
  const sorted = [...days].sort((a, b) => a.time! - b.time!)
  return chart(el, { series: [{}, { label: 'steps', fill: '#10b98199', stroke: '#10b981', paths: bars }, { label: 'goal', stroke: '#f3f4f6', dash: [6, 4] }] }, [
    sorted.map((d) => secs(d.time!)),
    sorted.map((d) => d.steps ?? null),
    sorted.map(() => goal),
  ])
}
