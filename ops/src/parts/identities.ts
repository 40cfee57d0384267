/** The identities part: ingest's file of services (and any file-configured devices) with hashed secrets. */
import { copyFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { iso, type TakenPart } from './part.js'

export async function takeIdentities(path: string, staging: string): Promise<TakenPart> {
  const file = 'identities/identities.json'
  await copyFile(path, join(staging, file))
  const parsed = JSON.parse(await readFile(join(staging, file), 'utf8')) as Record<string, unknown>
  const counts: Record<string, number> = {}
  for (const kind of ['services', 'devices', 'gateways']) counts[kind] = Array.isArray(parsed[kind]) ? (parsed[kind] as unknown[]).length : 0
  return { files: [file], covers: { until: iso(Date.now()) }, counts }
}
