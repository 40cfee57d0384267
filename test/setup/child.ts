/**
 * Child processes for tests and the benchmark: a TypeScript entry point run under tsx, which sends one
 * IPC message when it is ready; stopped by PID with a signal of the caller's choosing (SIGKILL for crash tests).
 */
import { fork, type ChildProcess } from 'node:child_process'

export async function forkReady(script: string, args: string[], env: NodeJS.ProcessEnv = {}, execArgv: string[] = []): Promise<ChildProcess> {
  const child = fork(script, args, {
    execArgv: ['--import', 'tsx', ...execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', process.env.BENCH_CHILD_STDOUT ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  })
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)))
  })
  return child
}

export { stopChild } from '@pulseline/config'
