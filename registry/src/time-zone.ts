/** Whether `tz` is an IANA time zone this runtime knows (a gym's or a member's `timezone`). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}
