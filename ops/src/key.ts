/**
 * The backup key: 32 random bytes in a file of their own, kept away from the backups (`openssl rand -hex 32
 * > backup.key`). The file may hold them raw, as hex or as base64. What a backup records is the key's id, a
 * hash that names the key without revealing it, so a restore can say which key it needs.
 */
import { createHash, hkdfSync } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { PulselineError } from '@pulseline/protocol'

export interface BackupKey {
  /** 16 hex digits naming the key (from HKDF, not the key's own bytes). */
  id: string
  /** The key for one purpose and salt (HKDF-SHA256). */
  derive(purpose: string, salt?: Buffer): Buffer
}

export async function readKeyFile(path: string): Promise<BackupKey> {
  const raw = await readFile(path).catch((err: Error) => {
    throw new PulselineError('PL_BACKUP_KEY', `cannot read ${path}: ${err.message}`)
  })
  return backupKey(parseKey(raw))
}

export function parseKey(raw: Buffer): Buffer {
  if (raw.length === 32) return raw
  const text = raw.toString('utf8').trim()
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex')
  const decoded = Buffer.from(text, 'base64')
  if (/^[A-Za-z0-9+/_-]+=*$/.test(text) && decoded.length === 32) return decoded
  throw new PulselineError('PL_BACKUP_KEY', 'a key file holds 32 bytes: raw, 64 hex digits or base64 (openssl rand -hex 32)')
}

export function backupKey(secret: Buffer): BackupKey {
  const derive = (purpose: string, salt: Buffer = Buffer.alloc(0)) => Buffer.from(hkdfSync('sha256', secret, salt, `pulseline-backup/${purpose}`, 32))
  return { id: createHash('sha256').update(derive('key-id')).digest('hex').slice(0, 16), derive }
}
