/**
 * Authenticated encryption of one backup file, streamed in chunks so a multi-gigabyte InfluxDB shard never
 * sits in memory: AES-256-GCM from Node's crypto, with the construction of Google Tink's streaming AEAD
 * (and of age's STREAM): a fresh random salt per file, a per-file key from HKDF, a nonce that counts the
 * chunks, and a flag on the last chunk. Reordering, dropping or truncating chunks, or moving a file to another
 * name, all fail authentication, because the name, the index and the flag are bound into each chunk.
 *
 *   file  = MAGIC (8) | salt (32) | chunk* 
 *   chunk = plaintext length (u32 LE, at most CHUNK_BYTES) | flags (1: last) | ciphertext | GCM tag (16)
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { once } from 'node:events'
import { PulselineError } from '@pulseline/protocol'
import type { BackupKey } from './key.js'

export const MAGIC = Buffer.from('PLBKAE1\n')
export const CHUNK_BYTES = 1024 * 1024
const SALT_BYTES = 32
const TAG_BYTES = 16
const CHUNK_HEADER = 5

function nonce(index: number): Buffer {
  const n = Buffer.alloc(12)
  n.writeUIntBE(index, 6, 6)
  return n
}

function additionalData(name: string, index: number, last: boolean): Buffer {
  const tail = Buffer.alloc(9)
  tail.writeUIntBE(index, 2, 6)
  tail[8] = last ? 1 : 0
  return Buffer.concat([Buffer.from(name, 'utf8'), Buffer.from([0]), tail])
}

/** Encrypts `source` into `target`; `name` (the file's path in the backup) is authenticated with it. */
export async function sealFile(source: string, target: string, name: string, key: BackupKey): Promise<void> {
  const salt = randomBytes(SALT_BYTES)
  const fileKey = key.derive('file', salt)
  const out = createWriteStream(target, { flags: 'wx' })
  const write = async (buf: Buffer) => {
    if (!out.write(buf)) await once(out, 'drain')
  }
  await write(Buffer.concat([MAGIC, salt]))
  const handle = await open(source, 'r')
  try {
    const size = (await handle.stat()).size
    let index = 0
    let pos = 0
    do {
      const length = Math.min(CHUNK_BYTES, size - pos)
      const plain = Buffer.alloc(length)
      if (length > 0) await handle.read(plain, 0, length, pos)
      pos += length
      const last = pos >= size
      const cipher = createCipheriv('aes-256-gcm', fileKey, nonce(index))
      cipher.setAAD(additionalData(name, index, last))
      const header = Buffer.alloc(CHUNK_HEADER)
      header.writeUInt32LE(length, 0)
      header[4] = last ? 1 : 0
      await write(Buffer.concat([header, cipher.update(plain), cipher.final(), cipher.getAuthTag()]))
      index++
      if (last) break
    } while (true)
  } finally {
    await handle.close()
  }
  out.end()
  await once(out, 'finish')
}

/**
 * Decrypts `source` into `target`, checking every chunk; throws PL_BACKUP_PART naming `name` on any
 * tampering or truncation. Bounds the length field, so a hostile file cannot make it allocate much.
 */
export async function openSealedFile(source: string, target: string, name: string, key: BackupKey): Promise<void> {
  const refuse = (reason: string) => new PulselineError('PL_BACKUP_PART', name, reason)
  const input = createReadStream(source, { highWaterMark: CHUNK_BYTES + CHUNK_HEADER + TAG_BYTES })
  const out = createWriteStream(target, { flags: 'wx' })
  let buffered: Buffer = Buffer.alloc(0)
  let fileKey: Buffer | undefined
  let index = 0
  let ended = false
  try {
    for await (const data of input as AsyncIterable<Buffer>) {
      buffered = buffered.length ? Buffer.concat([buffered, data]) : data
      if (!fileKey) {
        if (buffered.length < MAGIC.length + SALT_BYTES) continue
        if (!buffered.subarray(0, MAGIC.length).equals(MAGIC)) throw refuse('not an encrypted Pulseline backup file')
        fileKey = key.derive('file', buffered.subarray(MAGIC.length, MAGIC.length + SALT_BYTES))
        buffered = buffered.subarray(MAGIC.length + SALT_BYTES)
      }
      for (;;) {
        if (buffered.length < CHUNK_HEADER) break
        if (ended) throw refuse('bytes after the last chunk')
        const length = buffered.readUInt32LE(0)
        const last = buffered[4] === 1
        if (length > CHUNK_BYTES || buffered[4]! > 1) throw refuse(`chunk ${index} has a bad header`)
        const total = CHUNK_HEADER + length + TAG_BYTES
        if (buffered.length < total) break
        const decipher = createDecipheriv('aes-256-gcm', fileKey, nonce(index))
        decipher.setAAD(additionalData(name, index, last))
        decipher.setAuthTag(buffered.subarray(CHUNK_HEADER + length, total))
        let plain: Buffer
        try {
          plain = Buffer.concat([decipher.update(buffered.subarray(CHUNK_HEADER, CHUNK_HEADER + length)), decipher.final()])
        } catch {
          throw refuse(`chunk ${index} fails authentication (tampered, reordered, or another key)`)
        }
        if (!out.write(plain)) await once(out, 'drain')
        buffered = buffered.subarray(total)
        index++
        ended = last
      }
    }
    if (!fileKey) throw refuse('shorter than its header')
    if (buffered.length > 0 || !ended) throw refuse('truncated: the last chunk is missing')
  } finally {
    out.end()
    await once(out, 'finish').catch(() => undefined)
  }
}
