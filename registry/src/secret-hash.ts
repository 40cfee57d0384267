/**
 * Two kinds of stored secret, each in a self-describing form:
 *
 * - People's passwords: scrypt (RFC 7914), `scrypt$N$r$p$salt$hash` (salt and hash base64url). N = 2^14,
 *   r = 8, p = 5: one of OWASP's Password Storage Cheat Sheet configurations (equal in strength to its
 *   N = 2^17, p = 1, at 16 MiB of memory per check rather than 128 MiB, so that a burst of logins cannot
 *   exhaust memory). Older hashes (p = 1) still verify: the parameters are read from the hash.
 *
 * - Machine secrets (devices, gateways, services): 128 random bits that Pulseline generates, stored as
 *   `hmac-sha256$salt$hash`. NIST SP 800-63B §5.1.2.2 asks for an approved one-way function, not a slow
 *   key-derivation function, for secrets of at least 112 bits: nobody can guess 2^128, fast or slow. A check
 *   costs about 2 µs on the calling thread instead of ~100 ms of scrypt on the libuv pool that the durable
 *   log's fdatasync shares, so a storm of bogus CONNECTs costs the attacker, not the gym (security review H2).
 */
import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const KEY_BYTES = 32
export interface ScryptCost {
  N: number
  r: number
  p: number
}
const DEFAULT_COST: ScryptCost = { N: 16384, r: 8, p: 5 }
const MACHINE_PREFIX = 'hmac-sha256'

function scrypt(secret: string | Buffer, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, KEY_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/** A password's scrypt hash. */
export async function hashSecret(secret: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(secret, salt, cost)
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** A generated machine secret's hash (only for secrets from `newSecret`: 128 random bits). */
export function hashMachineSecret(secret: string): string {
  const salt = randomBytes(16)
  return [MACHINE_PREFIX, salt.toString('base64url'), hmac(salt, secret).toString('base64url')].join('$')
}

function hmac(salt: Buffer, secret: string | Buffer): Buffer {
  return createHmac('sha256', salt).update(secret).digest()
}

/** Constant-time check of a machine secret, synchronously; false for any other form of hash. */
export function verifyMachineSecret(secret: string | Buffer, stored: string): boolean {
  const parts = stored.split('$')
  if (parts.length !== 3 || parts[0] !== MACHINE_PREFIX) return false
  const expected = Buffer.from(parts[2]!, 'base64url')
  const key = hmac(Buffer.from(parts[1]!, 'base64url'), secret)
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** Whether a stored hash is a machine secret's (checked without the thread pool). */
export function isMachineHash(stored: string): boolean {
  return stored.startsWith(`${MACHINE_PREFIX}$`)
}

/** Constant-time check of a secret against a stored hash of either form; false for a malformed hash. */
export async function verifySecret(secret: string | Buffer, stored: string): Promise<boolean> {
  if (isMachineHash(stored)) return verifyMachineSecret(secret, stored)
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every(Number.isInteger)) return false
  const expected = Buffer.from(parts[5]!, 'base64url')
  const key = await scrypt(secret, Buffer.from(parts[4]!, 'base64url'), { N, r, p })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** A password hash that matches nothing, verified for unknown logins so that their refusal takes as long. */
export const DUMMY_HASH = `scrypt$${DEFAULT_COST.N}$${DEFAULT_COST.r}$${DEFAULT_COST.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`

/** A machine-secret hash that matches nothing, for unknown device ids (same cost as a real check). */
export const DUMMY_MACHINE_HASH = `${MACHINE_PREFIX}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`

/** A random device or service secret: 128 bits, base64url. */
export function newSecret(): string {
  return randomBytes(16).toString('base64url')
}
