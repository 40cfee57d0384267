/**
 * After a class ends and its summaries are written, each member who opted in (profile `summaryByEmail`, with
 * an `email`) gets their report by email through SMTP (nodemailer). A failed send is counted and the next
 * member is tried; nothing about a member's health goes into a subject line or a log line (logs carry counts).
 */
import { createTransport } from 'nodemailer'
import { rowsOf, timeRange, type InfluxClient } from '@pulseline/influx'
import type { ClassSession, Registry } from '@pulseline/registry'
import { COMPARED_CLASSES, classReport, figuresOf, type ClassFigures } from '@pulseline/protocol'
import { renderClassEmail } from '../summaries/class-email.js'

export interface MailTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string; html: string }): Promise<unknown>
}

export interface MailerDeps {
  transport: MailTransport
  from: string
  registry: Registry
  influx: Pick<InfluxClient, 'query'>
  timezoneOf: (member: string) => Promise<string>
}

export interface MailOutcome {
  sent: number
  failed: number
  /** Members of the class who did not opt in, or gave no address. */
  skipped: number
}

export function smtpTransport(url: string): MailTransport {
  return createTransport(url)
}

export class ClassMailer {
  readonly counts = { sent: 0, failed: 0 }

  constructor(private readonly deps: MailerDeps) {}

  async sendFor(session: ClassSession): Promise<MailOutcome> {
    const { registry, influx } = this.deps
    const outcome: MailOutcome = { sent: 0, failed: 0, skipped: 0 }
    const rows = rowsOf(await influx.query(`SELECT * FROM session_summary WHERE "session" = $session`, { session: session.id }))
    const gym = await registry.gym(session.gymId)
    for (const row of rows) {
      const member = row.member as string | undefined
      const figures = figuresOf(row)
      if (!member || !figures) continue
      const profile = await registry.memberProfile(member)
      if (!profile?.summaryByEmail || !profile.email) {
        outcome.skipped++
        continue
      }
      try {
        const previous = await this.previousClasses(member, figures.startMs)
        const user = await registry.user(member)
        const email = renderClassEmail(classReport(figures, previous), {
          memberName: user?.displayName ?? member,
          classTitle: session.title,
          gymName: gym?.name ?? session.gymId,
          timezone: await this.deps.timezoneOf(member),
        })
        await this.deps.transport.sendMail({ from: this.deps.from, to: profile.email, ...email })
        outcome.sent++
        this.counts.sent++
      } catch {
        outcome.failed++
        this.counts.failed++
      }
    }
    return outcome
  }

  private async previousClasses(member: string, beforeMs: number): Promise<ClassFigures[]> {
    const rows = rowsOf(
      await this.deps.influx.query(`SELECT * FROM session_summary WHERE "member" = $member AND ${timeRange(beforeMs - 366 * 86_400_000, beforeMs)} ORDER BY time DESC LIMIT ${COMPARED_CLASSES}`, { member }),
    )
    return rows.map(figuresOf).filter((f): f is ClassFigures => f !== null)
  }
}
