/** What taking one part of a backup gives: its files (paths inside the staging folder), span and counts. */
export interface TakenPart {
  files: string[]
  covers: { from?: string; until: string }
  counts: Record<string, number>
}

export const iso = (ms: number): string => new Date(ms).toISOString()
