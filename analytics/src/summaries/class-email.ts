/**
 * The after-class email: plain text and HTML from one report. The subject names the class and its day and
 * nothing about the member's health (a subject shows on lock screens and in mail logs); the figures are in
 * the body only. The class title comes from a coach and is escaped in HTML and cut to one line in the subject.
 */
import { ZONE_LABELS } from '@pulseline/protocol'
import type { ClassReport } from '@pulseline/protocol'

export interface ClassEmail {
  subject: string
  text: string
  html: string
}

export interface EmailContext {
  memberName: string
  classTitle: string
  gymName: string
  timezone: string
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ').trim().slice(0, 80)
const round = (v: number) => String(Math.round(v))
const signed = (v: number, unit: string) => `${v >= 0 ? '+' : '−'}${Math.abs(Math.round(v))}${unit}`

export function renderClassEmail(report: ClassReport, context: EmailContext): ClassEmail {
  const f = report.figures
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: context.timezone, weekday: 'long', day: 'numeric', month: 'long' }).format(f.startMs)
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: context.timezone, hour: '2-digit', minute: '2-digit' }).format(f.startMs)
  const minutes = Math.round((f.endMs - f.startMs) / 60_000)
  const rows: Array<[string, string]> = [
    ['Average heart rate', `${round(f.avgHr)} bpm`],
    ['Maximum heart rate', `${round(f.maxHr)} bpm`],
    ['Calories', `${round(f.kcal)} kcal`],
    ['Effort points', round(f.points)],
    ['TRIMP (Banister)', round(f.trimp)],
    ['Heart-rate recovery after one minute', f.hrr1Min === null ? 'not measured (the class ended first)' : `${round(f.hrr1Min)} bpm`],
  ]
  const zones: Array<[string, string]> = f.zoneMinutes.map((m, z) => [`Zone ${z}: ${ZONE_LABELS[z]}`, `${round(m)} min`])
  const c = report.compared
  const comparison = c
    ? [
        `Compared with your last ${c.classes === 1 ? 'class' : `${c.classes} classes`}:`,
        ...([
          ['average heart rate', c.avgHr, ' bpm'],
          ['effort points', c.points, ''],
          ['calories', c.kcal, ' kcal'],
          ['TRIMP', c.trimp, ''],
          ['heart-rate recovery', c.hrr1Min, ' bpm'],
        ] as const)
          .filter(([, v]) => v !== null)
          .map(([name, v, unit]) => `${name} ${signed(v!, unit)}`),
      ]
    : ['This was your first class with a summary: the next ones will be compared with it.']
  const title = oneLine(context.classTitle)
  const heading = `${title} at ${context.gymName}, ${day} ${time} (${minutes} min)`
  const text = [`Hello ${context.memberName},`, '', heading, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', 'Time in each zone:', ...zones.map(([k, v]) => `  ${k}: ${v}`), '', ...comparison, ''].join('\n')
  const table = (list: Array<[string, string]>) => `<table>${list.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`
  const html =
    `<p>Hello ${escapeHtml(context.memberName)},</p><h2>${escapeHtml(heading)}</h2>${table(rows)}<h3>Time in each zone</h3>${table(zones)}` +
    `<p>${comparison.map(escapeHtml).join('<br>')}</p>`
  return { subject: `Your class summary: ${title}, ${day}`, text, html }
}
