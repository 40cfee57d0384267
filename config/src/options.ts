/**
 * Typed options, the way fastify and Telegraf do them: each component declares one TypeBox schema (types,
 * ranges, units in `description`) and one defaults object. `resolveOptions` deep-merges what the user gave
 * over the defaults and validates the result at start-up: unknown keys are refused, and every error names
 * the key at fault. The README's configuration reference is generated from the same schema.
 */
import { type Static, type TObject, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { PulselineError } from '@pulseline/protocol'

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T

export function resolveOptions<S extends TObject>(name: string, schema: S, defaults: Static<S>, input: unknown = {}): Static<S> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PulselineError('PL_CONFIG_INVALID', name, 'options must be an object')
  }
  const merged = deepMerge(defaults, input)
  const check = TypeCompiler.Compile(schema)
  if (!check.Check(merged)) {
    const errors = [...check.Errors(merged)].map((e) => `${name}${e.path.replace(/\//g, '.')}: ${e.message}${e.value === undefined ? '' : ` (got ${JSON.stringify(e.value)})`}`)
    throw new PulselineError('PL_CONFIG_INVALID', errors[0]!.split(':')[0]!, errors.join('; '))
  }
  return merged as Static<S>
}

/** Deep merge of plain objects; arrays and scalars in `over` replace those in `base`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v
  return out
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Options from the environment: `PREFIX_A_B_C` sets key a.b.c (camelCase keys in UPPER_SNAKE). Each value is
 * converted by its option's schema: a string option takes the text as it is (a password `123456` stays a
 * string); any other is parsed as JSON (numbers, booleans, arrays), or left as text for validation to refuse.
 */
export function optionsFromEnv(prefix: string, schema: TObject, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const { path, schema: leaf } of leaves(schema)) {
    const value = env[envName(prefix, path)]
    if (value === undefined) continue
    let parsed: unknown = value
    if (leaf.type !== 'string') {
      try {
        parsed = JSON.parse(value)
      } catch {
        // a plain string: the schema decides whether it may be one
      }
    }
    let node = out
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>
    node[path[path.length - 1]!] = parsed
  }
  return out
}

export function envName(prefix: string, path: readonly string[]): string {
  return [prefix, ...path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2'))].join('_').toUpperCase()
}

/** Every environment variable a schema reads. */
export function envNames(prefix: string, schema: TObject): string[] {
  return leaves(schema).map(({ path }) => envName(prefix, path))
}

interface Leaf {
  path: string[]
  schema: TSchema
}

function leaves(schema: TSchema, path: string[] = []): Leaf[] {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([k, s]) => leaves(s, [...path, k]))
  }
  return [{ path, schema }]
}

/** A markdown table of every option: key, environment variable, type and range, default, meaning. */
export function optionsReference(name: string, envPrefix: string, schema: TObject, defaults: unknown): string {
  const rows = leaves(schema).map(({ path, schema: s }) => {
    let value: unknown = defaults
    for (const k of path) value = (value as Record<string, unknown> | undefined)?.[k]
    const range = [s.minimum !== undefined ? `≥ ${s.minimum}` : '', s.maximum !== undefined ? `≤ ${s.maximum}` : ''].filter(Boolean).join(', ')
    const type = s.anyOf ? (s.anyOf as TSchema[]).map((x) => JSON.stringify(x.const ?? x.type)).join(' \\| ') : String(s.type ?? 'any')
    const shown = value === undefined ? '—' : `\`${JSON.stringify(value)}\``
    return `| \`${name}.${path.join('.')}\` | \`${envName(envPrefix, path)}\` | ${type}${range ? ` (${range})` : ''} | ${shown} | ${s.description ?? ''} |`
  })
  return ['| option | environment | type | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n')
}

/** The example file's placeholders and anything shorter than 128 bits of base64: never a deployment's secret. */
const WEAK_SECRET = /^change-?me/i
const MIN_SECRET_CHARS = 22

/** Returns a deployment secret that looks generated; throws PL_CONFIG_INVALID naming it otherwise (security review M10). */
export function checkDeploymentSecret(name: string, value: string): string {
  if (WEAK_SECRET.test(value) || value.length < MIN_SECRET_CHARS) {
    throw new PulselineError('PL_CONFIG_INVALID', name, `a placeholder or shorter than ${MIN_SECRET_CHARS} characters; generate one with: openssl rand -base64 24`)
  }
  return value
}
