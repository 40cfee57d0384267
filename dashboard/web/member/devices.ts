/** The member's devices, and pairing: a code the device shows, or a pick from what the gym's gateways see. */
import { api } from '../common/api.js'
import { $, el } from '../common/dom.js'
import type { LiveSocket } from '../common/live.js'

interface Device {
  id: string
  kind: string
  address: string | null
}
interface Nearby {
  address: string
  name?: string
  rssi?: number
}

export async function setUpDevices(gym: string, live: LiveSocket): Promise<void> {
  const result = $('#pair-result')
  const list = async () => {
    const mine = await api<Device[]>('/api/me/devices')
    $('#my-devices').replaceChildren(...(mine.length ? mine.map((d) => el('li', {}, `${d.kind} ${d.id}${d.address ? ` (${d.address})` : ''}`)) : [el('li', {}, 'No devices yet.')]))
  }
  const form = $<HTMLFormElement>('#pair-code')
  form.onsubmit = async (event) => {
    event.preventDefault()
    try {
      const d = await api<Device>('/api/me/devices', { method: 'POST', body: { code: String(new FormData(form).get('code')) } })
      result.textContent = `Paired ${d.kind} ${d.id}.`
      await list()
    } catch (err) {
      result.textContent = (err as Error).message
    }
  }
  live.subscribe(`gym/${gym}/nearby`, (m) => {
    const devices = m.data as Nearby[]
    $('#nearby').replaceChildren(
      ...devices.map((d) => {
        const claim = el('button', { type: 'button' }, 'This is mine')
        claim.onclick = async () => {
          try {
            const paired = await api<Device & { status: 'pending' | 'mine' }>('/api/me/devices/claim', { method: 'POST', body: { address: d.address } })
            // A coach who sees you wearing it confirms the claim; until then it is not yours.
            result.textContent = paired.status === 'mine' ? `${paired.kind} ${paired.id} is yours already.` : `Asked for ${paired.kind} ${paired.id}: a coach confirms it is yours.`
            await list()
          } catch (err) {
            result.textContent = (err as Error).message
          }
        }
        return el('li', {}, `${d.name ?? 'unnamed'} ${d.address}${d.rssi !== undefined ? ` (${d.rssi} dBm)` : ''} `, claim)
      }),
    )
  })
  await list()
}
