/**
 * The SQLite registry's people: gyms, users and their logins (scrypt), login sessions (tokens stored hashed),
 * and members' profiles.
 */
import { randomBytes } from 'node:crypto'
import { DUMMY_HASH, hashSecret, verifySecret } from '../secret-hash.js'
import type { Gym, MemberProfile, Role, User } from '../types.js'
import { profileUpsert, profileValues, toProfile, toUser, type Row } from '../rows.js'
import { SqliteStore, sha256 } from './store.js'

export abstract class SqlitePeople extends SqliteStore {
  async createGym(gym: Gym): Promise<void> {
    this.run('INSERT INTO gyms (id, name, timezone, created_ms) VALUES (?, ?, ?, ?)', gym.id, gym.name, gym.timezone, Date.now())
  }

  async gym(id: string): Promise<Gym | undefined> {
    const r = this.db.prepare('SELECT id, name, timezone FROM gyms WHERE id = ?').get(id) as Gym | undefined
    return r
  }

  async gyms(): Promise<Gym[]> {
    return this.db.prepare('SELECT id, name, timezone FROM gyms ORDER BY id').all() as Gym[]
  }

  async createUser(user: User, password?: string): Promise<void> {
    const hash = password === undefined ? null : await hashSecret(password, this.cost)
    this.run(
      'INSERT INTO users (id, gym_id, role, display_name, login, password_hash, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
      user.id,
      user.gymId,
      user.role,
      user.displayName,
      user.login,
      hash,
      Date.now(),
    )
  }

  async user(id: string): Promise<User | undefined> {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined
    return r ? toUser(r) : undefined
  }

  async verifyLogin(login: string, password: string): Promise<User | undefined> {
    const r = this.db.prepare('SELECT * FROM users WHERE login = ?').get(login) as Row | undefined
    const ok = await verifySecret(password, (r?.password_hash as string | null) ?? DUMMY_HASH)
    return r && ok ? toUser(r) : undefined
  }

  async changePassword(userId: string, password: string): Promise<void> {
    const hash = await hashSecret(password, this.cost)
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, userId)
      this.db.prepare('DELETE FROM user_sessions WHERE user_id = ?').run(userId)
    })()
  }

  async openUserSession(userId: string, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    const now = Date.now()
    this.db.prepare('INSERT INTO user_sessions (token_hash, user_id, created_ms, expires_ms) VALUES (?, ?, ?, ?)').run(sha256(token), userId, now, now + ttlMs)
    return token
  }

  async sessionUser(token: string): Promise<User | undefined> {
    const r = this.db
      .prepare('SELECT u.* FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_ms > ?')
      .get(sha256(token), Date.now()) as Row | undefined
    return r ? toUser(r) : undefined
  }

  async closeUserSession(token: string): Promise<void> {
    this.db.prepare('DELETE FROM user_sessions WHERE token_hash = ?').run(sha256(token))
  }

  async setMemberProfile(userId: string, p: MemberProfile): Promise<void> {
    this.run(profileUpsert(() => '?'), ...profileValues(userId, p))
    this.change('profile', userId)
  }

  async memberProfile(userId: string): Promise<MemberProfile | undefined> {
    const r = this.db.prepare('SELECT * FROM member_profiles WHERE user_id = ?').get(userId) as Row | undefined
    return r ? toProfile(r) : undefined
  }

  async usersOfGym(gymId: string, role?: Role): Promise<User[]> {
    const rows = role
      ? this.db.prepare('SELECT * FROM users WHERE gym_id = ? AND role = ? ORDER BY display_name COLLATE NOCASE').all(gymId, role)
      : this.db.prepare('SELECT * FROM users WHERE gym_id = ? ORDER BY display_name COLLATE NOCASE').all(gymId)
    return (rows as Row[]).map(toUser)
  }
}
