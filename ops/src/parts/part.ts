import { copyFile, rename, stat } from 'node:fs/promises'

/** What taking one part of a backup gives: its files (paths inside the staging folder), span and counts. */
export interface TakenPart {
  files: string[]
  covers: { from?: string; until: string }
  counts: Record<string, number>
}

export const iso = (ms: number): string => new Date(ms).toISOString()

/** Puts a verified file in place: copied beside the target, then renamed, so it appears whole or not at all. */
export async function placeFile(file: string, target: string): Promise<void> {
  await copyFile(file, `${target}.restoring`)
  await rename(`${target}.restoring`, target)
}

export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
