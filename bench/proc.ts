/** CPU time and resident memory of a process by PID, from /proc (Linux). */
import { readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** Busy and total CPU ticks of the whole machine so far (/proc/stat; idle and iowait are not busy). */
export function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = fields.reduce((a, b) => a + b, 0)
  return { busy: total - fields[3]! - fields[4]!, total }
}

export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!
  return Number(/(\d+)/.exec(line)![1]) * 1024
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}


/**
 * BENCH_PROFILE_DIR=dir writes the profiled processes' CPU profiles there (--cpu-prof: the bare broker and
 * ingest), to compare where a message's time goes; BENCH_NODE_FLAGS adds Node flags to them.
 */
export function profileFlags(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])]
}
