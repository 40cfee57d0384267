/**
 * Secrets are stored as scrypt hashes (RFC 7914) in the PHC-like form
 * `scrypt$N$r$p$salt$hash` (salt and hash base64url). N = 2^14, r = 8, p = 1 are the parameters RFC 7914
 * §2 and OWASP's password storage cheat sheet give for interactive logins.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const KEY_BYTES = 32
export interface ScryptCost {
  N: number
  r: number
  p: number
}
const DEFAULT_COST: ScryptCost = { N: 16384, r: 8, p: 1 }

function scrypt(secret: string | Buffer, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, KEY_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

export async function hashSecret(secret: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(secret, salt, cost)
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** Constant-time check of a secret against a stored hash; false for a malformed hash. */
export async function verifySecret(secret: string | Buffer, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every(Number.isInteger)) return false
  const expected = Buffer.from(parts[5]!, 'base64url')
  const key = await scrypt(secret, Buffer.from(parts[4]!, 'base64url'), { N, r, p })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** A hash that matches nothing, verified for unknown users so that their refusal takes as long. */
export const DUMMY_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`

/** A random device or service secret: 128 bits, base64url. */
export function newSecret(): string {
  return randomBytes(16).toString('base64url')
}
