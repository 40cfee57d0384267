/**
 * One member's tile: name, HR, % of max and zone (colour, number and label, so it is not read by colour
 * alone), calories, effort points, time-in-zone bars, a two-minute sparkline, equipment, and signal state.
 * `update` only writes what changed; the board calls it from requestAnimationFrame.
 */
import type { LiveTile } from '@pulseline/protocol/messages'
import { ZONE_COLOURS, ZONE_LABELS } from '../common/zones.js'
import { el } from '../common/dom.js'
import { Sparkline } from './sparkline.js'

export type { LiveTile }

/** A tile not updated for this long shows "no signal", whatever the server last said. */
export const STALE_MS = 10_000

/**
 * Writes text only when it changed (the same text written again still costs style, layout and paint), into
 * the element's one Text node: `textContent` would replace that node with a new one for style to meet.
 */
function setText(node: HTMLElement, text: string): void {
  const only = node.firstChild
  if (only instanceof Text && only === node.lastChild) {
    if (only.data !== text) only.data = text
  } else if (node.textContent !== text) node.textContent = text
}

export class TileView {
  readonly root: HTMLElement
  readonly spark: Sparkline
  tile: LiveTile | undefined
  private readonly parts: Record<string, HTMLElement>
  private readonly bars: HTMLElement[]
  private lastUpdate = 0

  constructor(
    readonly member: string,
    name: string,
  ) {
    const canvas = el('canvas', { class: 'spark', 'aria-hidden': 'true' })
    this.bars = [1, 2, 3, 4, 5].map((z) => el('span', { class: `bar z${z}`, title: `time in zone ${z}` }))
    this.parts = {
      name: el('span', { class: 'name' }, name),
      badges: el('span', { class: 'badges' }),
      bpm: el('span', { class: 'bpm' }, '--'),
      pct: el('span', { class: 'pct' }, ''),
      znum: el('span', { class: 'znum' }, ''),
      zlabel: el('span', { class: 'zlabel' }, ''),
      kcal: el('span', { class: 'kcal' }, ''),
      pts: el('span', { class: 'pts' }, ''),
      eq: el('span', { class: 'eq' }, ''),
    }
    const p = this.parts
    this.root = el(
      'article',
      { class: 'tile', 'data-member': member },
      el('header', {}, p.name!, p.badges!),
      el('div', { class: 'hr' }, p.bpm!, el('span', { class: 'unit' }, 'bpm')),
      el('div', { class: 'zone' }, p.znum!, p.zlabel!, p.pct!),
      canvas,
      el('div', { class: 'tiz' }, ...this.bars),
      el('footer', {}, p.kcal!, p.pts!, p.eq!),
    )
    this.spark = new Sparkline(canvas)
  }

  update(tile: LiveTile, nowMs = Date.now()): void {
    this.tile = tile
    this.lastUpdate = nowMs
    const p = this.parts
    this.spark.add(tile.t, tile.hr)
    setText(p.bpm!, String(tile.hr))
    setText(p.pct!, `${tile.pctMax}%`)
    setText(p.znum!, `Z${tile.zone}`)
    setText(p.zlabel!, ZONE_LABELS[tile.zone] ?? '')
    setText(p.kcal!, `${Math.round(tile.kcal)} kcal`)
    setText(p.pts!, `${Math.round(tile.points)} pts`)
    const e = tile.equipment
    setText(p.eq!, e ? [e.powerW !== undefined ? `${e.powerW} W` : '', e.speedKmh !== undefined ? `${e.speedKmh.toFixed(1)} km/h` : '', e.cadence !== undefined ? `${Math.round(e.cadence)} rpm` : ''].filter(Boolean).join(' · ') : '')
    if (this.root.dataset.zone !== String(tile.zone)) this.root.dataset.zone = String(tile.zone)
    const total = tile.secondsInZone.slice(1).reduce((a, b) => a + b, 0) || 1
    this.bars.forEach((bar, i) => {
      // Whole tenths of a percent: a bar a thousandth wider is not seen, and every write costs a layout. (Placed
      // by a transform instead, each change rebuilt the compositor's paint properties: 5 → 25 ms a second.)
      const width = `${Math.round((1000 * tile.secondsInZone[i + 1]!) / total) / 10}%`
      if (bar.style.width !== width) bar.style.width = width
    })
    this.renderBadges(nowMs)
  }

  /** Signal state: dropout, no contact, low battery, anomalies; and stale when the tile stopped updating. */
  renderBadges(nowMs = Date.now()): void {
    const t = this.tile
    if (!t) return
    const badges: string[] = []
    const stale = nowMs - this.lastUpdate > STALE_MS
    if (t.signal === 'dropout' || stale) badges.push('dropout')
    else if (t.signal === 'no_contact') badges.push('no contact')
    if (t.batteryPct !== null && t.batteryPct < 20) badges.push('low battery')
    for (const a of t.anomalies) if (a !== 'dropout') badges.push(a.replace(/_/g, ' '))
    const text = badges.join(' · ')
    setText(this.parts.badges!, text)
    this.root.classList.toggle('lost', badges.includes('dropout'))
    this.root.classList.toggle('alert', badges.length > 0)
  }

  draw(): void {
    this.spark.draw(ZONE_COLOURS[this.tile?.zone ?? 0]!)
  }
}
