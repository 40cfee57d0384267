/**
 * The member's last class, as their after-class email tells it (protocol/class-report): the figures, minutes
 * in each zone, and how it compares with the classes before it.
 */
import { ZONE_LABELS } from '@pulseline/protocol/zones'
import { classReport, figuresOf, type ClassFigures } from '@pulseline/protocol/class-report'
import { el } from '../common/dom.js'

const signed = (v: number | null, unit: string) => (v === null ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(Math.round(v))}${unit}`)

export function renderLastClass(target: HTMLElement, rows: ReadonlyArray<Record<string, unknown>>): void {
  const classes = rows.map(figuresOf).filter((f): f is ClassFigures => f !== null).sort((a, b) => b.startMs - a.startMs)
  const last = classes[0]
  if (!last) return void target.replaceChildren(el('p', {}, 'No class yet.'))
  const report = classReport(last, classes.slice(1))
  const c = report.compared
  const line = (label: string, value: string, change: string) => el('tr', {}, el('th', {}, label), el('td', {}, value), el('td', { class: 'change' }, change))
  target.replaceChildren(
    el('p', {}, `${last.session}, ${new Date(last.startMs).toLocaleString()} · ${Math.round((last.endMs - last.startMs) / 60_000)} min`),
    el(
      'table',
      { class: 'summary' },
      el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'This class'), el('th', {}, c ? `vs the last ${c.classes}` : 'first class'))),
      el(
        'tbody',
        {},
        line('Average HR', `${Math.round(last.avgHr)} bpm`, signed(c?.avgHr ?? null, ' bpm')),
        line('Maximum HR', `${Math.round(last.maxHr)} bpm`, ''),
        line('Calories', `${Math.round(last.kcal)} kcal`, signed(c?.kcal ?? null, ' kcal')),
        line('Effort points', String(Math.round(last.points)), signed(c?.points ?? null, '')),
        line('TRIMP', String(Math.round(last.trimp)), signed(c?.trimp ?? null, '')),
        line('HR recovery, 1 min', last.hrr1Min === null ? '–' : `${Math.round(last.hrr1Min)} bpm`, signed(c?.hrr1Min ?? null, ' bpm')),
        ...last.zoneMinutes.map((m, z) => line(`Zone ${z} ${ZONE_LABELS[z]}`, `${Math.round(m)} min`, '')),
      ),
    ),
  )
}
