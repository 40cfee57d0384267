/** A line-protocol line read back into its parts, for tests that hold the line builders to what they write. */
import { expect } from 'vitest'

/** Splits at every `separator` outside an escape or a quoted string; escapes are kept for the next split. */
function splitUnescaped(text: string, separator: string, quotes = true): string[] {
  const parts = ['']
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '\\') {
      parts[parts.length - 1] += c + (text[++i] ?? '')
      continue
    }
    if (c === '"' && quotes) quoted = !quoted
    if (c === separator && !quoted) parts.push('')
    else parts[parts.length - 1] += c
  }
  return parts
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1')

/** A line-protocol line's measurement, tags and raw field values (line protocol reference, "Syntax"). */
export function parseLine(line: string): { measurement: string; tags: Record<string, string>; fields: Record<string, string>; time: string } {
  // Quotes mean nothing in the series key (measurement and tags), only in string field values.
  const [key, ...rest] = splitUnescaped(line, ' ', false)
  const sections = splitUnescaped(rest.join(' '), ' ')
  expect(sections, line).toHaveLength(2)
  const [fieldSet, time] = sections as [string, string]
  const [measurement, ...tagPairs] = splitUnescaped(key!, ',', false)
  const pairs = (list: string[], value: (v: string) => string) =>
    Object.fromEntries(list.map((p) => splitUnescaped(p, '=', false)).map(([k, ...v]) => [unescape(k!), value(v.join('='))]))
  return { measurement: unescape(measurement!), tags: pairs(tagPairs, unescape), fields: pairs(splitUnescaped(fieldSet, ','), (v) => v), time }
}
