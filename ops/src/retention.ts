/**
 * Retention: keeps the newest `keep` finished backups in a folder and deletes the older ones, plus any
 * `.partial` folder a crashed run left behind (a day old). Only names this tool writes are touched; anything else in
 * the folder is left alone. Backup ids sort by time, so name order is age order.
 */
import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

const FINISHED = /^pulseline-\d{8}T\d{6}Z(-\d+)?$/
const PARTIAL = /^pulseline-\d{8}T\d{6}Z(-\d+)?\.partial$/

export async function pruneBackups(out: string, keep: number, staleMs = 24 * 3_600_000): Promise<string[]> {
  const names = await readdir(out).catch(() => [] as string[])
  const finished: string[] = []
  for (const name of names) {
    if (FINISHED.test(name) && (await stat(join(out, name, 'manifest.json')).catch(() => undefined))) finished.push(name)
  }
  finished.sort(compareIds)
  const doomed = finished.slice(0, Math.max(0, finished.length - keep))
  // A .partial folder a day old is a crashed run's; a younger one may be another run still working.
  for (const name of names.filter((n) => PARTIAL.test(n))) {
    const info = await stat(join(out, name)).catch(() => undefined)
    if (info && Date.now() - info.mtimeMs > staleMs) doomed.push(name)
  }
  for (const name of doomed) await rm(join(out, name), { recursive: true, force: true })
  return doomed
}

/** `pulseline-…Z` before `pulseline-…Z-2` before `pulseline-…Z-10`. */
function compareIds(a: string, b: string): number {
  const [ta, na] = split(a)
  const [tb, nb] = split(b)
  return ta < tb ? -1 : ta > tb ? 1 : na - nb
}

function split(id: string): [string, number] {
  const m = /^(pulseline-\d{8}T\d{6}Z)(?:-(\d+))?$/.exec(id)!
  return [m[1]!, Number(m[2] ?? 1)]
}
