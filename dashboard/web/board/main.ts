/**
 * The class board: one tile per member, updated as tiles arrive over the live socket. Incoming tiles are
 * kept per member (the newest wins) and applied together, in one animation frame, at most every PAINT_MS:
 * sixty tiles a second then cost five layouts and paints a second instead of sixty (measured in
 * bench/dashboard.ts: 407 ms of main thread per second at one frame per tile, 128 at 200 ms; 500 ms
 * batches saved nothing more, the rest is per tile). Tiles change once a second; 200 ms is not seen.
 * The server paces the socket at PAINT_MS (one WebSocket frame of every tile since the last), and a frame
 * is applied at the next animation frame: a WebSocket message a tile had cost the main thread ~0.7 ms each,
 * 41 ms a second, mostly outside the page's script (a Chromium trace).
 * A frame reads every canvas's size before it writes any tile, and writes only text that changed: reading a
 * size after another tile's change forced a layout per tile (111 → 72 ms of main thread per second, layout
 * 30 → 7). At 100 ms frames the board took 100-111 ms a second for 60-90 ms less latency: 200 stays.
 */
import { api, whoAmI } from '../common/api.js'
import { LiveSocket, type LiveMessage } from '../common/live.js'
import { $, param } from '../common/dom.js'
import { TileView, type LiveTile } from './tile.js'
import { gridFor } from './layout.js'
import { setUpControls } from './controls.js'

const me = await whoAmI()
if (me.role === 'member') location.replace('/me')
const gym = param('gym') ?? me.gymId!
const names = new Map((await api<Array<{ id: string; displayName: string }>>(`/api/gyms/${gym}/users?role=member`)).map((u) => [u.id, u.displayName]))
$('#gym-name').textContent = gym
const grid = $('#grid')
const views = new Map<string, TileView>()
const pending = new Map<string, LiveTile>()
/** When each pending tile arrived (Date.now(), the clock of the tiles' `t`). */
const arrivedAt = new Map<string, number>()
/**
 * Sample to paint in its parts, ms, the newest 10,000 of each (the benchmark reads them): server (sample time
 * to the frame's arrival here), batching (arrival to the animation frame that applies it), paint (that frame to
 * the end of its rendering) and toPaint (sample time to that end).
 */
const timings = { server: [] as number[], batching: [] as number[], paint: [] as number[], toPaint: [] as number[] }
const record = (list: number[], ms: number) => {
  list.push(ms)
  if (list.length > 10_000) list.splice(0, 5_000)
}
// A message posted from an animation frame is delivered once that frame's style, layout and paint are done.
const afterFrame = new MessageChannel()
let painted: (() => void) | undefined
afterFrame.port1.onmessage = () => painted?.()
let order: 'name' | 'zone' | 'effort' = 'name'

function view(member: string): TileView {
  let v = views.get(member)
  if (!v) {
    v = new TileView(member, names.get(member) ?? member)
    views.set(member, v)
    grid.append(v.root)
    layout()
  }
  return v
}

function layout(): void {
  const { cols, rows } = gridFor(views.size, grid.clientWidth, grid.clientHeight)
  grid.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`
  grid.style.gridTemplateRows = `repeat(${rows}, minmax(0, 1fr))`
  resort()
}

function resort(): void {
  const list = [...views.values()]
  const key = (v: TileView) => (order === 'name' ? 0 : order === 'zone' ? -(v.tile?.zone ?? 0) * 1000 - (v.tile?.pctMax ?? 0) : -(v.tile?.points ?? 0))
  list.sort((a, b) => key(a) - key(b) || (names.get(a.member) ?? a.member).localeCompare(names.get(b.member) ?? b.member, undefined, { numeric: true }))
  list.forEach((v, i) => (v.root.style.order = String(i)))
}

function frame(): void {
  frameAsked = false
  const now = Date.now()
  const applied = [...pending.values()]
  // Every read of layout first, then every write: one layout per frame, not one per tile.
  const changed = [...pending.keys()].map((member) => view(member))
  for (const v of changed) v.spark.measure()
  for (const v of changed) {
    const tile = pending.get(v.member)!
    record(timings.batching, now - (arrivedAt.get(v.member) ?? now))
    v.update(tile, now)
    v.draw()
  }
  if (pending.size > 0 && order !== 'name') resort()
  pending.clear()
  arrivedAt.clear()
  if (applied.length === 0) return
  painted = () => {
    const end = Date.now()
    record(timings.paint, end - now)
    for (const tile of applied) record(timings.toPaint, end - tile.t)
  }
  afterFrame.port2.postMessage(null)
}
let frameAsked = false
function applySoon(): void {
  if (frameAsked) return
  frameAsked = true
  requestAnimationFrame(frame)
}
// Stale tiles ("no signal") are noticed even when nothing arrives.
setInterval(() => views.forEach((v) => v.renderBadges()), 1000)
new ResizeObserver(() => layout()).observe(grid)
$<HTMLSelectElement>('#order').onchange = (e) => {
  order = (e.target as HTMLSelectElement).value as typeof order
  resort()
}

const controls = me.role === 'coach' || me.role === 'admin' ? await setUpControls(gym, names) : undefined
const PAINT_MS = 200
const live = new LiveSocket(PAINT_MS)
live.onStatus = (up) => document.body.classList.toggle('offline', !up)
live.subscribe(`gym/${gym}/class`, (m: LiveMessage) => {
  if (m.type === 'tile') {
    const tile = m.data as LiveTile
    const now = Date.now()
    record(timings.server, now - tile.t)
    pending.set(tile.member, tile)
    arrivedAt.set(tile.member, now)
    applySoon()
  } else if (m.type === 'backfill') {
    const series = (m.data as { series: Record<string, Array<[number, number, number, number]>> }).series
    for (const [member, points] of Object.entries(series)) {
      const v = view(member)
      v.spark.merge(points.map(([t, hr]) => [t, hr]))
      v.draw()
    }
  }
}, Date.now() - 120_000)
live.subscribe(`gym/${gym}/anomalies`, (m) => {
  if (m.type === 'anomaly') controls?.alert(m.data as { type: string; member: string; severity: string; detectedMs: number })
})

// For the browser tests and the benchmark.
Object.assign(window, { __board: { views, live, timings } })
