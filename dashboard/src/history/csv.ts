/**
 * Rows as CSV (RFC 4180): a header from the union of keys, quotes where a value needs them. A text cell
 * that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return: OWASP's CSV
 * injection guidance) gets a leading apostrophe, so a display name like `=HYPERLINK(...)` stays text.
 */
export function toCsv(rows: ReadonlyArray<Record<string, unknown>>, first: readonly string[] = ['time']): string {
  const keys = [...new Set([...first, ...rows.flatMap((r) => Object.keys(r))])].filter((k) => rows.some((r) => k in r))
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return ''
    const s = typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v).replace(/^[=+\-@\t\r]/, "'$&")
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [keys.join(','), ...rows.map((r) => keys.map((k) => cell(k === 'time' && typeof r[k] === 'number' ? new Date(r[k] as number).toISOString() : r[k])).join(','))].join('\n') + '\n'
}
