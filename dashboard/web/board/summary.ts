/** The end-of-class summary: a table per member, and its CSV from the API. */
import { api } from '../common/api.js'
import { el } from '../common/dom.js'

interface Row {
  name: string
  avg_hr: number
  max_hr: number
  kcal: number
  points: number
  banister_trimp: number
  peak_1min_hr?: number
  hrr_1min?: number
  [zone: `z${number}_s`]: number
}

export async function showSummary(container: HTMLElement, session: string): Promise<void> {
  container.replaceChildren(el('p', {}, 'Computing the class summary…'))
  for (let attempt = 0; attempt < 90; attempt++) {
    const res = await fetch(`/api/sessions/${encodeURIComponent(session)}/summary`, { credentials: 'same-origin' })
    if (res.status === 200) {
      const { rows } = (await res.json()) as { rows: Row[] }
      const minutes = (s: number | undefined) => Math.round((s ?? 0) / 60)
      const table = el(
        'table',
        { class: 'summary' },
        el('thead', {}, el('tr', {}, ...['Member', 'Avg HR', 'Max HR', 'kcal', 'Points', 'TRIMP', 'Peak 1-min', 'HRR 1-min', 'Z1–Z5 (min)'].map((h) => el('th', {}, h)))),
        el(
          'tbody',
          {},
          ...rows
            .sort((a, b) => String(a.name).localeCompare(String(b.name)))
            .map((r) =>
              el(
                'tr',
                {},
                ...[r.name, Math.round(r.avg_hr), r.max_hr, Math.round(r.kcal), Math.round(r.points), Math.round(r.banister_trimp), r.peak_1min_hr ? Math.round(r.peak_1min_hr) : '–', r.hrr_1min ?? '–', [1, 2, 3, 4, 5].map((z) => minutes(r[`z${z}_s`])).join(' / ')].map((v) => el('td', {}, String(v))),
              ),
            ),
        ),
      )
      container.replaceChildren(el('h2', {}, 'Class summary'), table, el('a', { href: `/api/sessions/${encodeURIComponent(session)}/summary?format=csv`, class: 'button', download: '' }, 'Download CSV'))
      return
    }
    await new Promise((r) => setTimeout(r, 2000))
  }
  await api(`/api/sessions/${encodeURIComponent(session)}/summary`) // surfaces the error
}
