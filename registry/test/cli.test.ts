import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { PostgresRegistry, SqliteRegistry } from '@pulseline/registry'
import { freshPostgresDatabase } from '../../test/setup/postgres.js'

const run = promisify(execFile)
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

describe('registry CLI', () => {
  let dir: string
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('manages a gym, a member, a pool strap, its credential and an assignment, and audits each change', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pl-cli-'))
    const db = join(dir, 'registry.sqlite')
    const r = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, '--db', db, ...args])
    await r('gym', 'add', 'g1', '--name', 'Gym One')
    await r('user', 'add', 'ann', '--gym', 'g1', '--role', 'member', '--name', 'Ann')
    await r('device', 'add', 's1', '--gym', 'g1', '--kind', 'strap', '--pool', '--address', 'C2:00:00:00:00:09')
    const { stdout: secret } = await r('device', 'issue', 's1')
    await r('assign', 's1', 'ann', '--from', '1000')
    const { stdout: listed } = await r('assignments', 's1')
    expect(listed.trim()).toBe('ann\t1000\topen')
    await expect(r('user', 'add', 'x', '--role', 'wizard', '--name', 'X')).rejects.toMatchObject({ stderr: expect.stringContaining('--role must be one of admin, coach, member, analyst') })
    // A login's password comes from the environment (or standard input), never from argv.
    await run(process.execPath, ['--import', 'tsx', cli, '--db', db, 'user', 'add', 'cat', '--gym', 'g1', '--role', 'coach', '--name', 'Cat', '--login', 'cat@g1'], {
      env: { ...process.env, PULSELINE_PASSWORD: 'a-long-coach-password' },
    })
    await expect(r('user', 'add', 'x', '--role', 'coach', '--name', 'X', '--login', 'x', '--password', 'on-argv')).rejects.toMatchObject({ stderr: expect.stringContaining("Unknown option '--password'") })

    // Bad input gets the registry's words, one line, no stack trace.
    await expect(r('gym', 'add', 'mars', '--name', 'Mars', '--tz', 'Mars/Olympus')).rejects.toMatchObject({ stderr: expect.stringMatching(/^registry: --tz "Mars\/Olympus" is not an IANA time zone/) })
    await expect(r('gym', 'add', 'g1', '--name', 'Again')).rejects.toMatchObject({ stderr: 'registry: that id is taken (gyms)\n' })
    await expect(r('user', 'add', 'zed', '--gym', 'nowhere', '--role', 'member', '--name', 'Zed')).rejects.toMatchObject({ stderr: 'registry: a gym, user, device or class it names does not exist\n' })
    await expect(r('device', 'add', 'a b', '--gym', 'g1', '--kind', 'strap', '--pool')).rejects.toMatchObject({ stderr: expect.stringContaining('is not an id') })
    const help = await r('--help')
    expect(help.stdout).toMatch(/^usage: npm run registry -- <command>/)
    expect(help.stdout).toContain('member erase <id>')

    const registry = SqliteRegistry.open(db)
    expect((await registry.verifyLogin('cat@g1', 'a-long-coach-password'))?.id).toBe('cat')
    expect((await registry.verifyDevice('s1', secret.trim()))?.pool).toBe(true)
    await registry.close()
    const raw = new Database(db, { readonly: true })
    expect((raw.prepare('SELECT actor, action, subject FROM audit_log ORDER BY id').all() as Array<Record<string, string>>).map((a) => `${a.actor} ${a.action} ${a.subject}`)).toEqual([
      'cli gym.create g1',
      'cli user.create ann',
      'cli device.create s1',
      'cli credential.issue s1',
      'cli assignment.create s1:ann',
      'cli user.create cat',
    ])
    raw.close()
    // Fourteen runs of the CLI, each a Node.js start with tsx: 20 s on a quiet machine, more beside other tests.
  }, 90_000)

  it('runs the same commands on a PostgreSQL registry given as a URL', async () => {
    const url = await freshPostgresDatabase('cli')
    const r = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, '--db', url, ...args])
    await r('gym', 'add', 'g1', '--name', 'Gym One')
    await r('device', 'add', 's1', '--gym', 'g1', '--kind', 'strap', '--pool')
    await expect(r('gym', 'add', 'g1', '--name', 'Again')).rejects.toMatchObject({ stderr: 'registry: that id is taken (gyms)\n' })
    const { stdout: secret } = await r('device', 'issue', 's1')
    const registry = await PostgresRegistry.open(url)
    expect((await registry.verifyDevice('s1', secret.trim()))?.gymId).toBe('g1')
    expect((await registry.auditAbout('s1')).map((a) => `${a.actor} ${a.action}`)).toEqual(['cli device.create', 'cli credential.issue'])
    await registry.close()
  }, 30_000)
})
