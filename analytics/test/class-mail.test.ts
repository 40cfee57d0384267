/**
 * After-class summaries by email, through a real SMTP server on loopback (smtp-server, read back with
 * mailparser): the class is summarised from InfluxDB as the service does it, the member who opted in gets their
 * figures and a comparison with their previous classes, the one who did not gets nothing, and no subject says
 * anything about anyone's health.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SqliteRegistry } from '@pulseline/registry'
import { pointLine, sampleToLines, seriesTags } from '@pulseline/protocol'
import type { InfluxClient } from '@pulseline/influx'
import { freshDatabase } from '../../test/setup/influx.js'
import { summarizeEndedSession } from '../src/service/rollups.js'
import { ClassMailer, smtpTransport } from '../src/service/class-mailer.js'
import { classReport, type ClassFigures } from '@pulseline/protocol'
import { resolvePhysiology } from '../src/live/physiology.js'

describe('after-class summaries by email', () => {
  let smtp: SMTPServer
  let port = 0
  const inbox: Array<{ to: string[]; mail: ParsedMail }> = []
  let influx: InfluxClient
  let registry: SqliteRegistry
  const start = Date.UTC(2026, 10, 2, 18, 0)

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        simpleParser(stream).then((mail) => {
          inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), mail })
          callback()
        }, callback)
      },
    })
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    port = (smtp.server.address() as { port: number }).port
    influx = await freshDatabase('mail')
    registry = SqliteRegistry.open(':memory:')
    await registry.createGym({ id: 'g', name: 'Riverside Gym', timezone: 'Europe/Zurich' })
    for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'g', role: 'member', displayName: id === 'ann' ? 'Ann' : 'Bob', login: null })
    await registry.setMemberProfile('ann', { birthYear: 1990, sex: 'female', weightKg: 60, restingHr: 55, email: 'ann@example.org', summaryByEmail: true })
    await registry.setMemberProfile('bob', { birthYear: 1985, sex: 'male', weightKg: 80, restingHr: 60, email: 'bob@example.org' })
    await registry.startSession({ id: 'spin-2', gymId: 'g', coachUserId: null, title: 'Spin <b>45</b>\r\nBcc: x@evil', startedMs: start, endedMs: start + 45 * 60_000 })
    // 45 minutes at 1 Hz: 15 easy (120), 20 hard (165), 10 cooling (decreasing to 100).
    let body = ''
    for (const member of ['ann', 'bob']) {
      const tags = seriesTags(`strap-${member}`, 'g', member)
      for (let i = 0; i < 45 * 60; i++) body += sampleToLines({ kind: 'hr', t: start + i * 1000, bpm: i < 900 ? 120 : i < 2100 ? 165 : Math.max(100, 165 - Math.floor((i - 2100) / 10)) }, tags)
    }
    // Ann's two previous classes, as the summaries stored them.
    for (const [i, avg, points] of [[1, 130, 40], [2, 140, 60]] as const)
      body += pointLine('session_summary', { gym: 'g', member: 'ann', session: `spin-${2 - i}` }, { start_ms: start - i * 86_400_000, end_ms: start - i * 86_400_000 + 2_700_000, avg_hr: avg, max_hr: 170, kcal: 400, banister_trimp: 50, points, z3_s: 600 }, start - i * 86_400_000)
    await influx.write(body)
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => smtp?.close(() => resolve()))
    await Promise.all([influx?.close(), registry?.close()])
  })

  it('mails the member who opted in her figures and how they compare; the other member gets nothing', async () => {
    const session = (await registry.session('spin-2'))!
    const physiologyOf = async (member: string) => resolvePhysiology(await registry.memberProfile(member), start, 'tanaka', 'Europe/Zurich')
    expect(await summarizeEndedSession(influx, session, physiologyOf, [0, 1, 2, 3, 4, 4])).toBe(2)
    const mailer = new ClassMailer({ transport: smtpTransport(`smtp://127.0.0.1:${port}`), from: 'Pulseline <no-reply@gym.example>', registry, influx, timezoneOf: async () => 'Europe/Zurich' })
    expect(await mailer.sendFor(session)).toEqual({ sent: 1, failed: 0, skipped: 1 })
    expect(inbox).toHaveLength(1)
    const { to, mail } = inbox[0]!
    expect(to).toEqual(['ann@example.org'])
    // The subject: the class and its day, one line, nothing about her health.
    expect(mail.subject).toBe('Your class summary: Spin <b>45</b> Bcc: x@evil, Monday 2 November')
    expect(mail.headers.get('bcc')).toBeUndefined()
    expect(mail.subject).not.toMatch(/bpm|kcal|\d{3}/)
    const text = mail.text!
    // 900 s at 120, 1,200 s at 165, then 600 s from 165 down to 100.
    const cooling = Array.from({ length: 600 }, (_, k) => Math.max(100, 165 - Math.floor(k / 10)))
    const avg = (900 * 120 + 1200 * 165 + cooling.reduce((a, b) => a + b, 0)) / 2700
    expect(text).toContain(`Spin <b>45</b> Bcc: x@evil at Riverside Gym, Monday 2 November 19:00 (45 min)`)
    expect(text).toContain(`Average heart rate: ${Math.round(avg)} bpm`)
    expect(text).toContain('Maximum heart rate: 165 bpm')
    expect(text).toMatch(/Heart-rate recovery after one minute: \d+ bpm/)
    expect(text).toMatch(/Zone 4: Threshold: \d+ min/)
    expect(text).toContain('Compared with your last 2 classes:')
    expect(text).toContain(`average heart rate ${avg - 135 >= 0 ? '+' : '−'}${Math.abs(Math.round(avg - 135))} bpm`)
    expect(mail.html).toContain('Spin &#60;b&#62;45&#60;/b&#62;')
    expect(mail.html).not.toContain('<b>45</b>')
  })

  it('a report compares with the mean of the previous classes, newest ten, and says when there are none', () => {
    const f = (session: string, startMs: number, avgHr: number, points: number, hrr1Min: number | null = null): ClassFigures => ({ session, startMs, endMs: startMs + 1, avgHr, maxHr: 180, zoneMinutes: [0, 0, 0, 0, 0, 0], kcal: 300, points, trimp: 40, hrr1Min })
    const now = f('c', 100, 150, 50, 30)
    expect(classReport(now, []).compared).toBeNull()
    expect(classReport(now, [f('a', 10, 140, 40, 20), f('b', 20, 130, 70, null)]).compared).toEqual({ classes: 2, avgHr: 15, points: -5, kcal: 0, trimp: 0, hrr1Min: 10 })
    const many = Array.from({ length: 14 }, (_, i) => f(`p${i}`, i, i < 4 ? 0 : 100, 0))
    expect(classReport(now, many).compared!.avgHr).toBe(50) // the four oldest (avg 0) are beyond the last ten
    expect(classReport(now, [f('c', 100, 10, 10), f('later', 200, 10, 10)]).compared).toBeNull() // itself, and a later class
  })
})
