/**
 * Importing a file from the member's own watch (FIT, GPX, TCX): the file's bytes to the import route, first as
 * a dry run that says what it holds, then stored; the answer (or the reason for a refusal) is shown as it comes.
 */
import { api, ApiError } from '../common/api.js'
import { $ } from '../common/dom.js'

interface Account {
  file: string
  format: string
  device: string
  samples: Record<string, number>
  refused: number
  fromMs: number | null
  toMs: number | null
  hr: { mean: number; max: number } | null
}

const describe = (a: Account) =>
  `${a.file} (${a.format}, ${a.device}): ${Object.entries(a.samples).map(([k, n]) => `${n} ${k}`).join(', ') || 'no samples'}` +
  `${a.refused ? `, ${a.refused} refused` : ''}` +
  `${a.fromMs !== null && a.toMs !== null ? `, ${new Date(a.fromMs).toLocaleString()} to ${new Date(a.toMs).toLocaleString()}` : ''}` +
  `${a.hr ? `, heart rate mean ${a.hr.mean}, max ${a.hr.max}` : ''}`

export function setUpImport(member: string, onImported: () => void): void {
  const form = $<HTMLFormElement>('#import-file')
  const result = $('#import-result')
  form.onsubmit = async (event) => {
    event.preventDefault()
    const file = $<HTMLInputElement>('input[type=file]', form).files?.[0]
    if (!file) return
    const name = file.name.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 100) || 'upload'
    const url = `/api/members/${encodeURIComponent(member)}/imports?name=${encodeURIComponent(name)}`
    try {
      const bytes = await file.arrayBuffer()
      const dry = await api<{ account: Account }>(`${url}&dryRun=true`, { method: 'POST', bytes })
      result.textContent = `Reading ${describe(dry.account)} …`
      const done = await api<{ account: Account; stored: { points: number; device: string } }>(url, { method: 'POST', bytes })
      result.textContent = `Imported ${done.stored.points} points from ${describe(done.account)}.`
      onImported()
    } catch (err) {
      result.textContent = err instanceof ApiError ? `Not imported: ${err.message}` : `Not imported: ${(err as Error).message}`
    }
  }
}
