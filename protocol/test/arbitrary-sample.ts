/**
 * fast-check arbitraries read off the sample schemas (samples.ts), so that a property test covers every
 * kind, every optional field and the ends of every range without a hand-kept list that could drift.
 * Covers the TypeBox forms the schemas use: objects, optionals, literals, unions of literals, bounded
 * integers and numbers, booleans and bounded arrays.
 */
import fc from 'fast-check'
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox'
import { SAMPLE_SCHEMAS, type Sample } from '../src/index.js'

export function arbitraryOf(schema: TSchema): fc.Arbitrary<unknown> {
  switch (schema[Kind]) {
    case 'Literal':
      return fc.constant(schema.const)
    case 'Union':
      return fc.oneof(...(schema.anyOf as TSchema[]).map(arbitraryOf))
    case 'Boolean':
      return fc.boolean()
    case 'Integer':
      return fc.integer({ min: Math.max(schema.minimum, Number.MIN_SAFE_INTEGER), max: Math.min(schema.maximum, Number.MAX_SAFE_INTEGER) })
    case 'Number':
      return fc.double({ min: schema.minimum, max: schema.maximum, noNaN: true, noDefaultInfinity: true })
    case 'Array':
      return fc.array(arbitraryOf(schema.items), { maxLength: schema.maxItems })
    case 'Object': {
      const required: Record<string, fc.Arbitrary<unknown>> = {}
      const optional: string[] = []
      for (const [key, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
        required[key] = arbitraryOf(property)
        if (property[OptionalKind] === 'Optional') optional.push(key)
      }
      const requiredKeys = Object.keys(required).filter((k) => !optional.includes(k))
      return fc.record(required, { requiredKeys })
    }
    default:
      throw new Error(`no arbitrary for a ${String(schema[Kind])} schema`)
  }
}

/** Any valid sample of any kind. */
export const arbitrarySample = fc.oneof(...Object.values(SAMPLE_SCHEMAS).map((s) => arbitraryOf(s) as fc.Arbitrary<Sample>))
