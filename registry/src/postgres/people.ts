/**
 * The PostgreSQL registry's people: gyms, users and their logins (scrypt), login sessions (tokens stored
 * hashed), and members' profiles.
 */
import { randomBytes } from 'node:crypto'
import { DUMMY_HASH, hashSecret, verifySecret } from '../secret-hash.js'
import type { Gym, MemberProfile, Role, User } from '../types.js'
import { profileUpsert, profileValues, toProfile, toUser } from '../rows.js'
import { PostgresStore, sha256 } from './store.js'

export abstract class PostgresPeople extends PostgresStore {
  async createGym(gym: Gym): Promise<void> {
    await this.write('INSERT INTO gyms (id, name, timezone, created_ms) VALUES ($1, $2, $3, $4)', [gym.id, gym.name, gym.timezone, Date.now()])
  }

  async gym(id: string): Promise<Gym | undefined> {
    return (await this.rows('SELECT id, name, timezone FROM gyms WHERE id = $1', [id]))[0] as Gym | undefined
  }

  async gyms(): Promise<Gym[]> {
    return (await this.rows('SELECT id, name, timezone FROM gyms ORDER BY id')) as unknown as Gym[]
  }

  async createUser(user: User, password?: string): Promise<void> {
    const hash = password === undefined ? null : await hashSecret(password, this.cost)
    await this.write('INSERT INTO users (id, gym_id, role, display_name, login, password_hash, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      user.id,
      user.gymId,
      user.role,
      user.displayName,
      user.login,
      hash,
      Date.now(),
    ])
  }

  async user(id: string): Promise<User | undefined> {
    const r = (await this.rows('SELECT * FROM users WHERE id = $1', [id]))[0]
    return r ? toUser(r) : undefined
  }

  async verifyLogin(login: string, password: string): Promise<User | undefined> {
    const r = (await this.rows('SELECT * FROM users WHERE login = $1', [login]))[0]
    const ok = await verifySecret(password, (r?.password_hash as string | null) ?? DUMMY_HASH)
    return r && ok ? toUser(r) : undefined
  }

  async changePassword(userId: string, password: string): Promise<void> {
    const hash = await hashSecret(password, this.cost)
    await this.transaction(async (q) => {
      await q('UPDATE users SET password_hash = $1 WHERE id = $2', [hash, userId])
      await q('DELETE FROM user_sessions WHERE user_id = $1', [userId])
    })
  }

  async openUserSession(userId: string, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    const now = Date.now()
    await this.write('INSERT INTO user_sessions (token_hash, user_id, created_ms, expires_ms) VALUES ($1, $2, $3, $4)', [sha256(token), userId, now, now + ttlMs])
    return token
  }

  async sessionUser(token: string): Promise<User | undefined> {
    const r = (await this.rows('SELECT u.* FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_ms > $2', [sha256(token), Date.now()]))[0]
    return r ? toUser(r) : undefined
  }

  async closeUserSession(token: string): Promise<void> {
    await this.rows('DELETE FROM user_sessions WHERE token_hash = $1', [sha256(token)])
  }

  async setMemberProfile(userId: string, p: MemberProfile): Promise<void> {
    await this.transaction(async (q, change) => {
      await q(profileUpsert((n) => `$${n}`), profileValues(userId, p))
      await change('profile', userId)
    })
  }

  async memberProfile(userId: string): Promise<MemberProfile | undefined> {
    const r = (await this.rows('SELECT * FROM member_profiles WHERE user_id = $1', [userId]))[0]
    return r ? toProfile(r) : undefined
  }

  async usersOfGym(gymId: string, role?: Role): Promise<User[]> {
    // SQLite's COLLATE NOCASE folds ASCII only; lower() under the C.UTF-8 collation likewise sorts by code point.
    const order = 'ORDER BY lower(display_name), display_name'
    const rows = role
      ? await this.rows(`SELECT * FROM users WHERE gym_id = $1 AND role = $2 ${order}`, [gymId, role])
      : await this.rows(`SELECT * FROM users WHERE gym_id = $1 ${order}`, [gymId])
    return rows.map(toUser)
  }
}
