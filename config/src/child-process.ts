/**
 * Child processes that never outlive their parent. A server a Pulseline process starts for itself (influxd
 * for the demo and tests, a private dbus-daemon) is spawned through util-linux's `setpriv --pdeathsig`, so
 * the kernel sends it SIGTERM when its parent dies for any reason, SIGKILL and crashes included, where an
 * 'exit' handler never runs. One stopper for all of them: SIGTERM, then SIGKILL after a grace period.
 */
import { existsSync } from 'node:fs'
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))

/**
 * Spawns `command` tied to this process's life (Linux prctl PR_SET_PDEATHSIG through setpriv; without
 * setpriv, an 'exit' handler, which covers every exit but SIGKILL). The PID is the command's own: setpriv execs it.
 */
export function spawnTied(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = SETPRIV ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', command, ...args], options) : spawn(command, args, options)
  const killOnExit = () => child.kill('SIGTERM')
  process.once('exit', killOnExit)
  child.once('exit', () => process.off('exit', killOnExit))
  return child
}

/** Stops a child by its PID: `signal` (SIGTERM by default), SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}
