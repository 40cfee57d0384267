/**
 * The PostgreSQL registry's devices: owned or in the pool, found by BLE address, claimed from a gateway's
 * nearby list, paired by a single-use code, and their rotatable credentials (stored hashed).
 */
import { randomBytes, randomInt } from 'node:crypto'
import { DUMMY_MACHINE_HASH, hashMachineSecret, newSecret, verifySecret } from '../secret-hash.js'
import { RegistryError } from '../registry.js'
import type { Device, DeviceKind } from '../types.js'
import { toDevice } from '../rows.js'
import { sha256 } from './store.js'
import { PostgresPeople } from './people.js'

export abstract class PostgresDevices extends PostgresPeople {
  async devicesOwnedBy(userId: string): Promise<Device[]> {
    return (await this.rows('SELECT * FROM devices WHERE owner_user_id = $1 ORDER BY id', [userId])).map(toDevice)
  }

  async createDevice(d: Device): Promise<void> {
    if (d.pool && d.ownerUserId) throw new RegistryError('invalid', `device ${d.id} cannot be both owned and in the pool`)
    await this.transaction(async (q, change) => {
      if (d.ownerUserId) {
        const owner = (await q('SELECT gym_id FROM users WHERE id = $1', [d.ownerUserId]))[0]
        if (!owner || owner.gym_id !== d.gymId) throw new RegistryError('invalid', `owner ${d.ownerUserId} is not of gym ${d.gymId}`)
      }
      await q('INSERT INTO devices (id, gym_id, kind, address, serial, owner_user_id, pool, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        d.id,
        d.gymId,
        d.kind,
        d.address,
        d.serial,
        d.ownerUserId,
        d.pool ? 1 : 0,
        Date.now(),
      ])
      await change('device', d.id)
    })
  }

  async device(id: string): Promise<Device | undefined> {
    const r = (await this.rows('SELECT * FROM devices WHERE id = $1', [id]))[0]
    return r ? toDevice(r) : undefined
  }

  async devicesOfGym(gymId: string): Promise<Device[]> {
    return (await this.rows('SELECT * FROM devices WHERE gym_id = $1 ORDER BY id', [gymId])).map(toDevice)
  }

  async createPairingCode(deviceId: string, ttlMs: number): Promise<string> {
    const device = await this.device(deviceId)
    if (!device) throw new RegistryError('not_found', `no device ${deviceId}`)
    if (device.ownerUserId) throw new RegistryError('conflict', `device ${deviceId} is owned already`)
    // 8 symbols from an alphabet without look-alikes (no 0/O, 1/I/L): 31^8 ≈ 8.5e11 codes.
    const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
    const code = Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join('') // randomInt: no modulo bias
    await this.write('INSERT INTO pairing_codes (code_hash, device_id, expires_ms) VALUES ($1, $2, $3)', [sha256(code), deviceId, Date.now() + ttlMs])
    return code
  }

  async deviceByAddress(gymId: string, address: string): Promise<Device | undefined> {
    const r = (await this.rows('SELECT * FROM devices WHERE gym_id = $1 AND upper(address) = upper($2)', [gymId, address]))[0]
    return r && toDevice(r)
  }

  async requestClaim(gymId: string, address: string, kind: DeviceKind, userId: string): Promise<{ device: Device; status: 'pending' | 'mine' } | undefined> {
    return this.transaction(async (q, change) => {
      const user = (await q('SELECT gym_id FROM users WHERE id = $1', [userId]))[0]
      if (!user || user.gym_id !== gymId) return undefined
      let row = (await q('SELECT * FROM devices WHERE gym_id = $1 AND upper(address) = upper($2)', [gymId, address]))[0]
      if (row && row.owner_user_id === userId) return { device: toDevice(row), status: 'mine' as const }
      if (row && (row.owner_user_id !== null || row.pool === 1)) return undefined
      if (!row) {
        // As in the SQLite registry: the id derives from the address; taken by another gym, a random suffix.
        const derived = `ble-${address.replace(/:/g, '').toUpperCase()}`
        const id = (await q('SELECT 1 FROM devices WHERE id = $1', [derived])).length > 0 ? `${derived}-${randomBytes(4).toString('hex')}` : derived
        await q('INSERT INTO devices (id, gym_id, kind, address, serial, owner_user_id, pool, created_ms) VALUES ($1, $2, $3, $4, NULL, NULL, 0, $5)', [id, gymId, kind, address.toUpperCase(), Date.now()])
        await change('device', id)
        row = (await q('SELECT * FROM devices WHERE id = $1', [id]))[0]!
      }
      const waiting = (await q('SELECT user_id FROM claim_requests WHERE device_id = $1', [row.id]))[0]
      if (waiting && waiting.user_id !== userId) return undefined
      await q('INSERT INTO claim_requests (device_id, user_id, requested_ms) VALUES ($1, $2, $3) ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, requested_ms = excluded.requested_ms', [
        row.id,
        userId,
        Date.now(),
      ])
      return { device: toDevice(row), status: 'pending' as const }
    })
  }

  async claimRequests(gymId: string): Promise<Array<{ deviceId: string; userId: string; requestedMs: number; address: string | null }>> {
    return (await this.rows(
      'SELECT c.device_id AS "deviceId", c.user_id AS "userId", c.requested_ms AS "requestedMs", d.address AS address FROM claim_requests c JOIN devices d ON d.id = c.device_id WHERE d.gym_id = $1 ORDER BY c.requested_ms',
      [gymId],
    )) as unknown as Array<{ deviceId: string; userId: string; requestedMs: number; address: string | null }>
  }

  async approveClaim(deviceId: string): Promise<Device | undefined> {
    return this.transaction(async (q, change) => {
      const claim = (await q('SELECT user_id FROM claim_requests WHERE device_id = $1', [deviceId]))[0]
      const row = (await q('SELECT * FROM devices WHERE id = $1', [deviceId]))[0]
      if (!claim || !row || row.owner_user_id !== null || row.pool === 1) return undefined
      await q('UPDATE devices SET owner_user_id = $1 WHERE id = $2', [claim.user_id, deviceId])
      await q('DELETE FROM claim_requests WHERE device_id = $1', [deviceId])
      await change('device', deviceId)
      return toDevice({ ...row, owner_user_id: claim.user_id })
    })
  }

  async rejectClaim(deviceId: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM claim_requests WHERE device_id = $1', [deviceId])).rowCount! > 0
  }

  async redeemPairingCode(code: string, userId: string): Promise<Device | undefined> {
    return this.transaction(async (q, change) => {
      const row = (await q('SELECT device_id, expires_ms FROM pairing_codes WHERE code_hash = $1', [sha256(code.trim().toUpperCase())]))[0]
      if (!row || (row.expires_ms as number) <= Date.now()) return undefined
      const user = (await q('SELECT gym_id FROM users WHERE id = $1', [userId]))[0]
      const device = (await q('SELECT * FROM devices WHERE id = $1', [row.device_id]))[0]
      if (!user || !device || device.gym_id !== user.gym_id || device.owner_user_id !== null) return undefined
      await q('UPDATE devices SET owner_user_id = $1, pool = 0 WHERE id = $2', [userId, row.device_id])
      await q('DELETE FROM pairing_codes WHERE device_id = $1', [row.device_id])
      await change('device', row.device_id as string)
      return toDevice({ ...device, owner_user_id: userId, pool: 0 })
    })
  }

  async issueCredential(deviceId: string): Promise<string> {
    if (!(await this.device(deviceId))) throw new RegistryError('not_found', `no device ${deviceId}`)
    const secret = newSecret()
    const hash = hashMachineSecret(secret)
    const now = Date.now()
    await this.transaction(async (q, change) => {
      await q('UPDATE device_credentials SET revoked_ms = $1 WHERE device_id = $2 AND revoked_ms IS NULL', [now, deviceId])
      await q('INSERT INTO device_credentials (device_id, secret_hash, created_ms) VALUES ($1, $2, $3)', [deviceId, hash, now])
      await change('credential', deviceId)
    })
    return secret
  }

  async revokeCredentials(deviceId: string): Promise<number> {
    return this.transaction(async (q, change) => {
      const revoked = await q('UPDATE device_credentials SET revoked_ms = $1 WHERE device_id = $2 AND revoked_ms IS NULL RETURNING id', [Date.now(), deviceId])
      await change('credential', deviceId)
      return revoked.length
    })
  }

  async verifyDevice(deviceId: string, secret: string | Buffer): Promise<Device | undefined> {
    const hashes = (await this.rows('SELECT secret_hash FROM device_credentials WHERE device_id = $1 AND revoked_ms IS NULL', [deviceId])).map((r) => r.secret_hash as string)
    let ok = false
    for (const h of hashes.length > 0 ? hashes : [DUMMY_MACHINE_HASH]) if (await verifySecret(secret, h)) ok = hashes.length > 0
    return ok ? this.device(deviceId) : undefined
  }
}
