/**
 * A crash never leaves orphans: when a process that started influxd, a private dbus-daemon and a service is
 * killed with SIGKILL (no handler of its own runs), all three stop by themselves within seconds.
 */
import { describe, expect, it } from 'vitest'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('a crashed parent', () => {
  it('takes influxd, dbus-daemon and the services it started with it, even under SIGKILL', async () => {
    const parent = fork(fileURLToPath(new URL('./fixtures/starts-servers.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    const pids = await new Promise<{ influxd: number; dbus: number; service: number }>((resolve, reject) => {
      parent.once('message', (m) => resolve(m as never))
      parent.once('exit', (code) => reject(new Error(`exited with ${code}`)))
    })
    for (const pid of Object.values(pids)) expect(alive(pid)).toBe(true)
    parent.kill('SIGKILL')
    await expect.poll(() => Object.values(pids).filter(alive), { timeout: 15_000, interval: 100 }).toEqual([])
  }, 60_000)
})
