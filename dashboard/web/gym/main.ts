/** The gym view: machines in use, with the member on each and their live metrics. */
import { api, whoAmI } from '../common/api.js'
import { LiveSocket } from '../common/live.js'
import { $, el, formatTime, param } from '../common/dom.js'
import type { LiveTile } from '../board/tile.js'

const me = await whoAmI()
const gym = param('gym') ?? me.gymId!
$('#gym-name').textContent = gym
const names = new Map((await api<Array<{ id: string; displayName: string }>>(`/api/gyms/${gym}/users?role=member`)).map((u) => [u.id, u.displayName]))
const rows = new Map<string, HTMLTableRowElement>()
const live = new LiveSocket()
live.subscribe(`gym/${gym}/equipment`, (m) => {
  if (m.type !== 'tile') return
  const t = m.data as LiveTile
  if (!t.equipment) return
  const e = t.equipment
  let row = rows.get(t.member)
  if (!row) {
    row = el('tr')
    rows.set(t.member, row)
    $('#machines').append(row)
    $('#in-use').textContent = String(rows.size)
  }
  row.replaceChildren(...[e.machine, names.get(t.member) ?? t.member, e.powerW !== undefined ? `${e.powerW} W` : '–', e.speedKmh !== undefined ? `${e.speedKmh.toFixed(1)} km/h` : '–', e.cadence !== undefined ? `${Math.round(e.cadence)}` : '–', String(t.hr), formatTime(t.t)].map((v) => el('td', {}, v)))
})
