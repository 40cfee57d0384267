/**
 * Calendar fields of an instant in a member's IANA time zone. Daily summaries are days as the member lives
 * them, so a run at 23:30 in Sydney is not counted in the UTC day after it; DST days have 23 or 25 hours.
 */
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' })
    formatters.set(timeZone, f)
  }
  return f
}

export interface LocalHour {
  /** YYYY-MM-DD in the zone. */
  date: string
  hour: number
}

export function localHour(ms: number, timeZone: string): LocalHour {
  const parts = formatter(timeZone).formatToParts(ms)
  const get = (type: string) => parts.find((p) => p.type === type)!.value
  return { date: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')) }
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone)
    return true
  } catch {
    return false
  }
}
