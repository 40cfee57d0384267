/**
 * The coach's controls: start and stop the class, hand out and swap pool straps and machines, confirm the
 * straps members asked for from the nearby list (the coach sees who wears which), and the alerts as they come.
 */
import { api } from '../common/api.js'
import { $, el, formatTime } from '../common/dom.js'
import { showSummary } from './summary.js'

interface Session {
  id: string
  title: string
  startedMs: number
  endedMs: number | null
}
interface Device {
  id: string
  kind: string
  pool: boolean
}

export async function setUpControls(gym: string, names: Map<string, string>): Promise<{ alert(a: { type: string; member: string; severity: string; detectedMs: number }): void }> {
  const panel = $('#controls')
  const status = $('#session-status')
  const startButton = $<HTMLButtonElement>('#start-class')
  const stopButton = $<HTMLButtonElement>('#stop-class')
  let current: Session | undefined

  const refresh = async () => {
    const sessions = await api<Session[]>(`/api/gyms/${gym}/sessions`)
    current = sessions.filter((s) => s.endedMs === null).at(-1)
    status.textContent = current ? `${current.title} since ${formatTime(current.startedMs)}` : 'No class running'
    startButton.disabled = current !== undefined
    stopButton.disabled = current === undefined
  }
  startButton.onclick = async () => {
    const title = ($<HTMLInputElement>('#class-title').value || 'Class').slice(0, 200)
    await api(`/api/gyms/${gym}/sessions`, { method: 'POST', body: { id: `class-${Date.now().toString(36)}`, title } })
    await refresh()
  }
  stopButton.onclick = async () => {
    if (!current) return
    const ended = current.id
    await api(`/api/sessions/${encodeURIComponent(ended)}/end`, { method: 'POST' })
    await refresh()
    const dialog = $<HTMLDialogElement>('#summary')
    dialog.showModal()
    await showSummary($('#summary-body'), ended)
  }

  // Assign or swap: the device's open assignment ends when the new one starts (registry rule).
  const devices = (await api<Device[]>(`/api/gyms/${gym}/devices`)).filter((d) => d.pool)
  const deviceSelect = $<HTMLSelectElement>('#assign-device')
  deviceSelect.replaceChildren(...devices.map((d) => el('option', { value: d.id }, `${d.id} (${d.kind})`)))
  const memberSelect = $<HTMLSelectElement>('#assign-member')
  memberSelect.replaceChildren(...[...names].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => el('option', { value: id }, name)))
  $<HTMLButtonElement>('#assign').onclick = async () => {
    const note = $('#assign-result')
    try {
      await api(`/api/devices/${encodeURIComponent(deviceSelect.value)}/assignments`, { method: 'POST', body: current ? { userId: memberSelect.value, sessionId: current.id } : { userId: memberSelect.value } })
      note.textContent = `${deviceSelect.value} → ${names.get(memberSelect.value)}`
    } catch (err) {
      note.textContent = (err as Error).message
    }
  }
  const claims = async () => {
    const waiting = await api<Array<{ deviceId: string; userId: string; address: string | null }>>(`/api/gyms/${gym}/claims`)
    $('#claims').replaceChildren(
      ...waiting.map((c) => {
        const yes = el('button', { type: 'button' }, 'Confirm')
        const no = el('button', { type: 'button' }, 'Refuse')
        yes.onclick = () => void api(`/api/devices/${encodeURIComponent(c.deviceId)}/claim`, { method: 'POST' }).then(claims)
        no.onclick = () => void api(`/api/devices/${encodeURIComponent(c.deviceId)}/claim`, { method: 'DELETE' }).then(claims)
        return el('li', {}, `${names.get(c.userId) ?? c.userId}: ${c.address ?? c.deviceId} `, yes, no)
      }),
    )
  }
  $<HTMLButtonElement>('#toggle-controls').onclick = () => {
    panel.classList.toggle('open')
    if (panel.classList.contains('open')) void claims()
  }
  await refresh()

  const alerts = $('#alerts')
  return {
    alert(a) {
      const item = el('li', { class: `alert ${a.severity}` }, `${formatTime(a.detectedMs)} ${names.get(a.member) ?? a.member}: ${a.type.replace(/_/g, ' ')}`)
      alerts.prepend(item)
      while (alerts.children.length > 30) alerts.lastElementChild!.remove()
      $('#alert-count').textContent = String(alerts.children.length)
    },
  }
}
