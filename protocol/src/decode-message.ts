/**
 * Decoding of the messages declared in messages.ts, for their consumers: size first, then JSON, then the
 * compiled schema. Apart from the declarations so that the browser bundle can import the types alone.
 */
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { MESSAGES, type MessageKind, type MessageOf } from './messages.js'

const checks = Object.fromEntries(Object.entries(MESSAGES).map(([k, m]) => [k, TypeCompiler.Compile(m.schema)])) as {
  [K in MessageKind]: TypeCheck<(typeof MESSAGES)[K]['schema']>
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: 'too_large' | 'not_json' | 'shape'; detail: string }

/** Parses and checks one message; never throws. */
export function decodeMessage<K extends MessageKind>(kind: K, payload: Buffer | string): Decoded<MessageOf<K>> {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length
  if (bytes > MESSAGES[kind].maxBytes) return { ok: false, reason: 'too_large', detail: `${bytes} > ${MESSAGES[kind].maxBytes} bytes` }
  let value: unknown
  try {
    value = JSON.parse(payload.toString())
  } catch (err) {
    return { ok: false, reason: 'not_json', detail: (err as Error).message }
  }
  const check = checks[kind] as TypeCheck<TSchema>
  if (check.Check(value)) return { ok: true, value: value as MessageOf<K> }
  const first = check.Errors(value).First()
  return { ok: false, reason: 'shape', detail: first ? `${first.path || '/'} ${first.message}` : 'does not match' }
}

/** Whether a value a producer is about to send matches its declaration (producers' tests use it). */
export function isMessage<K extends MessageKind>(kind: K, value: unknown): value is MessageOf<K> {
  return (checks[kind] as TypeCheck<TSchema>).Check(value)
}
