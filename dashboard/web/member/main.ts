/**
 * A member's page: their live tile, their history (HR with zone bands, equipment), their classes with
 * summaries, nightly sleep and daily steps, and their devices. Coaches, admins and analysts of the gym open
 * any member's page (analysts: history only; the live socket refuses them).
 */
import { api, whoAmI } from '../common/api.js'
import { LiveSocket } from '../common/live.js'
import { $, el, param } from '../common/dom.js'
import { TileView, type LiveTile } from '../board/tile.js'
import { equipmentChart, hrChart, sleepChart, stepsChart } from './charts.js'
import { setUpDevices } from './devices.js'
import { renderLastClass } from './last-class.js'
import { setUpImport } from './import-file.js'

const me = await whoAmI()
const staff = me.role !== 'member'
const member = staff ? (param('member') ?? '') : me.id
const gym = me.gymId ?? ''
$('#logout').onclick = async () => {
  await api('/api/logout', { method: 'POST' })
  location.href = '/login'
}
if (staff && gym) {
  const members = await api<Array<{ id: string; displayName: string }>>(`/api/gyms/${gym}/users?role=member`)
  const pick = $<HTMLSelectElement>('#member-pick')
  pick.hidden = false
  pick.replaceChildren(el('option', { value: '' }, 'Choose a member'), ...members.map((m) => el('option', { value: m.id }, m.displayName)))
  pick.value = member
  pick.onchange = () => (location.search = `?member=${encodeURIComponent(pick.value)}`)
  $('#member-name').textContent = members.find((m) => m.id === member)?.displayName ?? ''
  $('#board-link').hidden = me.role === 'analyst'
  $('#gym-link').hidden = me.role === 'analyst'
  $('#devices').hidden = true
} else $('#member-name').textContent = me.displayName

const live = new LiveSocket()
const tile = new TileView(member, staff ? member : me.displayName)
$('#live-tile').append(tile.root)
if (member) {
  live.subscribe(`member/${member}`, (m) => {
    if (m.type === 'tile') {
      tile.update(m.data as LiveTile)
      tile.draw()
    }
  })
}
if (!staff) await setUpDevices(gym, live)

interface HrHistory {
  hrMax: number | null
  points: Array<{ time: number; hr: number; min: number; max: number }>
}

async function load(): Promise<void> {
  if (!member) return
  const hours = Number($<HTMLSelectElement>('#range').value)
  const to = Date.now()
  const from = to - hours * 3_600_000
  const range = `from=${Math.floor(from)}&to=${Math.floor(to)}`
  const base = `/api/members/${encodeURIComponent(member)}`
  const [hr, eq, sessions, daily] = await Promise.all([
    api<HrHistory>(`${base}/history/hr?${range}`),
    api<{ points: Array<{ time: number; power_w: number | null; speed_kmh: number | null; cadence_rpm: number | null }> }>(`${base}/history/equipment?${range}`),
    api<{ sessions: Array<Record<string, number | string>> }>(`${base}/sessions?from=${Math.floor(to - 90 * 86_400_000)}&to=${Math.floor(to)}`),
    api<{ sleep: Array<Record<string, number>>; steps: Array<Record<string, number>> }>(`${base}/daily?from=${Math.floor(to - 30 * 86_400_000)}&to=${Math.floor(to)}`),
  ])
  hrChart($('#hr-chart'), hr.points, hr.hrMax, { from, to })
  equipmentChart($('#eq-chart'), eq.points, { from, to })
  sleepChart($('#sleep-chart'), daily.sleep)
  stepsChart($('#steps-chart'), daily.steps)
  const num = (v: unknown) => (typeof v === 'number' ? String(Math.round(v)) : '–')
  $('#sessions').replaceChildren(
    el('thead', {}, el('tr', {}, ...['Class', 'Date', 'Avg HR', 'Max HR', 'kcal', 'TRIMP', 'Points', 'HRR 1-min', 'File'].map((h) => el('th', {}, h)))),
    el(
      'tbody',
      {},
      ...sessions.sessions.map((s) => {
        // The class as a FIT activity, for Strava, Garmin Connect or intervals.icu.
        const fit = el('a', { href: `${base}/sessions/${encodeURIComponent(String(s.session))}/activity.fit`, download: '' }, 'FIT')
        const cells = [String(s.session), new Date(s.time as number).toLocaleDateString(), num(s.avg_hr), num(s.max_hr), num(s.kcal), num(s.banister_trimp), num(s.points), num(s.hrr_1min)]
        return el('tr', {}, ...cells.map((v) => el('td', {}, v)), el('td', {}, fit))
      }),
    ),
  )
  renderLastClass($('#last-class'), sessions.sessions)
  document.body.dataset.loaded = 'true'
}
$<HTMLSelectElement>('#range').onchange = () => void load()
if (me.role === 'analyst') $('#import').hidden = true // analysts read history, they change nothing
else setUpImport(member, () => void load())
await load()
Object.assign(window, { __member: { tile, live } })
