/**
 * The SQLite registry's devices: owned or in the pool, found by BLE address, claimed from a gateway's nearby
 * list, paired by a single-use code, and their rotatable credentials (stored hashed).
 */
import { randomBytes, randomInt } from 'node:crypto'
import { DUMMY_MACHINE_HASH, hashMachineSecret, newSecret, verifySecret } from '../secret-hash.js'
import { RegistryError } from '../registry.js'
import type { Device, DeviceKind } from '../types.js'
import { toDevice, type Row } from '../rows.js'
import { sha256 } from './store.js'
import { SqlitePeople } from './people.js'

export abstract class SqliteDevices extends SqlitePeople {
  async devicesOwnedBy(userId: string): Promise<Device[]> {
    return (this.db.prepare('SELECT * FROM devices WHERE owner_user_id = ? ORDER BY id').all(userId) as Row[]).map(toDevice)
  }

  async createDevice(d: Device): Promise<void> {
    if (d.pool && d.ownerUserId) throw new RegistryError('invalid', `device ${d.id} cannot be both owned and in the pool`)
    if (d.ownerUserId) {
      const owner = this.db.prepare('SELECT gym_id FROM users WHERE id = ?').get(d.ownerUserId) as { gym_id: string | null } | undefined
      if (!owner || owner.gym_id !== d.gymId) throw new RegistryError('invalid', `owner ${d.ownerUserId} is not of gym ${d.gymId}`)
    }
    this.run(
      'INSERT INTO devices (id, gym_id, kind, address, serial, owner_user_id, pool, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      d.id,
      d.gymId,
      d.kind,
      d.address,
      d.serial,
      d.ownerUserId,
      d.pool ? 1 : 0,
      Date.now(),
    )
    this.change('device', d.id)
  }

  async device(id: string): Promise<Device | undefined> {
    const r = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as Row | undefined
    return r ? toDevice(r) : undefined
  }

  async devicesOfGym(gymId: string): Promise<Device[]> {
    return (this.db.prepare('SELECT * FROM devices WHERE gym_id = ? ORDER BY id').all(gymId) as Row[]).map(toDevice)
  }

  async createPairingCode(deviceId: string, ttlMs: number): Promise<string> {
    const device = await this.device(deviceId)
    if (!device) throw new RegistryError('not_found', `no device ${deviceId}`)
    if (device.ownerUserId) throw new RegistryError('conflict', `device ${deviceId} is owned already`)
    // 8 symbols from an alphabet without look-alikes (no 0/O, 1/I/L): 31^8 ≈ 8.5e11 codes.
    const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
    const code = Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join('') // randomInt: no modulo bias
    this.db.prepare('INSERT INTO pairing_codes (code_hash, device_id, expires_ms) VALUES (?, ?, ?)').run(sha256(code), deviceId, Date.now() + ttlMs)
    return code
  }

  async deviceByAddress(gymId: string, address: string): Promise<Device | undefined> {
    const r = this.db.prepare('SELECT * FROM devices WHERE gym_id = ? AND upper(address) = upper(?)').get(gymId, address) as Row | undefined
    return r && toDevice(r)
  }

  async requestClaim(gymId: string, address: string, kind: DeviceKind, userId: string): Promise<{ device: Device; status: 'pending' | 'mine' } | undefined> {
    return this.db.transaction(() => {
      const user = this.db.prepare('SELECT gym_id FROM users WHERE id = ?').get(userId) as { gym_id: string | null } | undefined
      if (!user || user.gym_id !== gymId) return undefined
      let row = this.db.prepare('SELECT * FROM devices WHERE gym_id = ? AND upper(address) = upper(?)').get(gymId, address) as Row | undefined
      if (row && row.owner_user_id === userId) return { device: toDevice(row), status: 'mine' as const }
      if (row && (row.owner_user_id !== null || row.pool === 1)) return undefined
      if (!row) {
        // A new device's id is derived from its address, which is unique in the gym; ids are global, so one
        // another gym took first (by chance or to squat it, review L4) gets a random suffix instead of a 500.
        const derived = `ble-${address.replace(/:/g, '').toUpperCase()}`
        const id = this.db.prepare('SELECT 1 FROM devices WHERE id = ?').get(derived) ? `${derived}-${randomBytes(4).toString('hex')}` : derived
        this.db.prepare('INSERT INTO devices (id, gym_id, kind, address, serial, owner_user_id, pool, created_ms) VALUES (?, ?, ?, ?, NULL, NULL, 0, ?)').run(id, gymId, kind, address.toUpperCase(), Date.now())
        this.change('device', id)
        row = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as Row
      }
      const waiting = this.db.prepare('SELECT user_id FROM claim_requests WHERE device_id = ?').get(row.id) as { user_id: string } | undefined
      if (waiting && waiting.user_id !== userId) return undefined
      this.db.prepare('INSERT OR REPLACE INTO claim_requests (device_id, user_id, requested_ms) VALUES (?, ?, ?)').run(row.id, userId, Date.now())
      return { device: toDevice(row), status: 'pending' as const }
    })()
  }

  async claimRequests(gymId: string): Promise<Array<{ deviceId: string; userId: string; requestedMs: number; address: string | null }>> {
    return this.db
      .prepare('SELECT c.device_id AS deviceId, c.user_id AS userId, c.requested_ms AS requestedMs, d.address AS address FROM claim_requests c JOIN devices d ON d.id = c.device_id WHERE d.gym_id = ? ORDER BY c.requested_ms')
      .all(gymId) as Array<{ deviceId: string; userId: string; requestedMs: number; address: string | null }>
  }

  async approveClaim(deviceId: string): Promise<Device | undefined> {
    return this.db.transaction(() => {
      const claim = this.db.prepare('SELECT user_id FROM claim_requests WHERE device_id = ?').get(deviceId) as { user_id: string } | undefined
      const row = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(deviceId) as Row | undefined
      if (!claim || !row || row.owner_user_id !== null || row.pool === 1) return undefined
      this.db.prepare('UPDATE devices SET owner_user_id = ? WHERE id = ?').run(claim.user_id, deviceId)
      this.db.prepare('DELETE FROM claim_requests WHERE device_id = ?').run(deviceId)
      this.change('device', deviceId)
      return toDevice({ ...row, owner_user_id: claim.user_id })
    })()
  }

  async rejectClaim(deviceId: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM claim_requests WHERE device_id = ?').run(deviceId).changes > 0
  }

  async redeemPairingCode(code: string, userId: string): Promise<Device | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT device_id, expires_ms FROM pairing_codes WHERE code_hash = ?').get(sha256(code.trim().toUpperCase())) as
        | { device_id: string; expires_ms: number }
        | undefined
      if (!row || row.expires_ms <= Date.now()) return undefined
      const user = this.db.prepare('SELECT gym_id FROM users WHERE id = ?').get(userId) as { gym_id: string | null } | undefined
      const device = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(row.device_id) as Row | undefined
      if (!user || !device || device.gym_id !== user.gym_id || device.owner_user_id !== null) return undefined
      this.db.prepare('UPDATE devices SET owner_user_id = ?, pool = 0 WHERE id = ?').run(userId, row.device_id)
      this.db.prepare('DELETE FROM pairing_codes WHERE device_id = ?').run(row.device_id)
      this.change('device', row.device_id)
      return toDevice({ ...device, owner_user_id: userId, pool: 0 })
    })()
  }

  async issueCredential(deviceId: string): Promise<string> {
    if (!(await this.device(deviceId))) throw new RegistryError('not_found', `no device ${deviceId}`)
    const secret = newSecret()
    const hash = hashMachineSecret(secret)
    const now = Date.now()
    this.db.transaction(() => {
      this.db.prepare('UPDATE device_credentials SET revoked_ms = ? WHERE device_id = ? AND revoked_ms IS NULL').run(now, deviceId)
      this.db.prepare('INSERT INTO device_credentials (device_id, secret_hash, created_ms) VALUES (?, ?, ?)').run(deviceId, hash, now)
      this.change('credential', deviceId)
    })()
    return secret
  }

  async revokeCredentials(deviceId: string): Promise<number> {
    return this.db.transaction(() => {
      const n = this.db.prepare('UPDATE device_credentials SET revoked_ms = ? WHERE device_id = ? AND revoked_ms IS NULL').run(Date.now(), deviceId).changes
      this.change('credential', deviceId)
      return n
    })()
  }

  async verifyDevice(deviceId: string, secret: string | Buffer): Promise<Device | undefined> {
    const hashes = (this.db.prepare('SELECT secret_hash FROM device_credentials WHERE device_id = ? AND revoked_ms IS NULL').all(deviceId) as Array<{ secret_hash: string }>).map(
      (r) => r.secret_hash,
    )
    let ok = false
    for (const h of hashes.length > 0 ? hashes : [DUMMY_MACHINE_HASH]) if (await verifySecret(secret, h)) ok = hashes.length > 0
    return ok ? this.device(deviceId) : undefined
  }
}
