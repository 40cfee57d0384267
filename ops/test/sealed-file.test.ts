/**
 * The backup's file encryption under hostile edits: any flipped byte, cut, extension or swap of an encrypted
 * file is refused with PL_BACKUP_PART and the file's name, and never crashes or yields altered plaintext.
 * Property-based (fast-check) over file sizes around the chunk boundary and over every kind of damage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backupKey, CHUNK_BYTES, MAGIC, openSealedFile, parseKey, sealFile } from '../src/index.js'

describe('sealed backup files', () => {
  let dir = ''
  let n = 0
  const key = backupKey(randomBytes(32))
  const next = () => join(dir, `f${n++}`)
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pl-sealed-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  async function seal(plain: Buffer, name = 'influx/shard.tar.gz'): Promise<Buffer> {
    const [source, target] = [next(), next()]
    await writeFile(source, plain)
    await sealFile(source, target, name, key)
    return readFile(target)
  }

  async function open(sealed: Buffer, name = 'influx/shard.tar.gz', withKey = key): Promise<Buffer> {
    const [source, target] = [next(), next()]
    await writeFile(source, sealed)
    await openSealedFile(source, target, name, withKey)
    return readFile(target)
  }

  it('round-trips sizes around the chunk boundary, and the ciphertext does not hold the plaintext', async () => {
    for (const size of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES + 17]) {
      const plain = Buffer.alloc(size, 'heart rate 142 bpm ')
      const sealed = await seal(plain)
      expect(sealed.subarray(0, MAGIC.length).equals(MAGIC)).toBe(true)
      if (size > 64) expect(sealed.includes(plain.subarray(0, 38))).toBe(false)
      expect((await open(sealed)).equals(plain), `size ${size}`).toBe(true)
    }
  })

  it('refuses another name, another key, and a sealed file swapped in from elsewhere', async () => {
    const sealed = await seal(Buffer.from('registry rows'))
    await expect(open(sealed, 'influx/other.tar.gz')).rejects.toThrow(/PL_BACKUP_PART|backup part influx\/other\.tar\.gz refused: chunk 0 fails authentication/)
    await expect(open(sealed, 'influx/shard.tar.gz', backupKey(randomBytes(32)))).rejects.toThrow(/fails authentication/)
  })

  it('any damage is refused with the file named: flips, cuts, extensions, chunks dropped or reordered', async () => {
    const plain = randomBytes(2 * CHUNK_BYTES + 1000)
    const sealed = await seal(plain)
    const chunk = 5 + CHUNK_BYTES + 16
    const header = MAGIC.length + 32
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat({ max: sealed.length - 1 }), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('cut' as const), keep: fc.nat({ max: sealed.length - 1 }) }),
      fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
      fc.record({ kind: fc.constant('drop-chunk' as const), index: fc.integer({ min: 0, max: 1 }) }),
      fc.constant({ kind: 'swap-chunks' as const }),
    )
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        let bad: Buffer
        if (d.kind === 'flip') {
          bad = Buffer.from(sealed)
          bad[d.at] = bad[d.at]! ^ (1 << d.bit)
        } else if (d.kind === 'cut') bad = sealed.subarray(0, d.keep)
        else if (d.kind === 'extend') bad = Buffer.concat([sealed, Buffer.from(d.extra)])
        else if (d.kind === 'drop-chunk') bad = Buffer.concat([sealed.subarray(0, header + d.index * chunk), sealed.subarray(header + (d.index + 1) * chunk)])
        else bad = Buffer.concat([sealed.subarray(0, header), sealed.subarray(header + chunk, header + 2 * chunk), sealed.subarray(header, header + chunk), sealed.subarray(header + 2 * chunk)])
        const error = await open(bad).then(() => undefined, (err: Error & { code?: string }) => err)
        expect(error?.code).toBe('PL_BACKUP_PART')
        expect(error?.message).toContain('influx/shard.tar.gz')
      }),
      { numRuns: 60 },
    )
  })

  it('reads a key as 32 raw bytes, 64 hex digits or base64, and refuses anything else', () => {
    const raw = randomBytes(32)
    expect(parseKey(raw).equals(raw)).toBe(true)
    expect(parseKey(Buffer.from(`${raw.toString('hex')}\n`)).equals(raw)).toBe(true)
    expect(parseKey(Buffer.from(raw.toString('base64'))).equals(raw)).toBe(true)
    for (const bad of ['', 'abc', raw.toString('hex').slice(2), randomBytes(31).toString('base64'), 'x'.repeat(64)]) {
      expect(() => parseKey(Buffer.from(bad)), JSON.stringify(bad)).toThrow(/PL_BACKUP_KEY|32 bytes/)
    }
    expect(backupKey(raw).id).toBe(backupKey(Buffer.from(raw)).id)
    expect(backupKey(raw).id).not.toBe(backupKey(randomBytes(32)).id)
  })
})
