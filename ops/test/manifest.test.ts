/**
 * A restore reads a manifest someone may have written to hurt: whatever the bytes, parsing either returns a
 * manifest whose every file path stays inside its part's folder, or throws PL_BACKUP_MANIFEST. Also
 * retention: the newest N finished backups stay, nothing else in the folder is touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { FILE_PATH, FORMAT, parseManifest, pruneBackups, type Manifest } from '../src/index.js'

const valid: Manifest = {
  format: FORMAT,
  id: 'pulseline-20261202T150000Z',
  startedAt: '2026-12-02T15:00:00.000Z',
  finishedAt: '2026-12-02T15:00:05.000Z',
  consistentAt: '2026-12-02T15:00:01.000Z',
  database: 'pulseline',
  versions: { pulseline: '0.1.0', registrySchema: '6' },
  encryption: null,
  parts: [
    { name: 'registry', covers: { until: '2026-12-02T15:00:00.500Z' }, files: [{ path: 'registry/registry.sqlite', bytes: 4096, sha256: 'a'.repeat(64) }], counts: { gyms: 1 } },
    { name: 'influx', covers: { until: '2026-12-02T15:00:04.000Z' }, files: [{ path: 'influx/20261202T150001Z.manifest', bytes: 10, sha256: 'b'.repeat(64) }], counts: {} },
  ],
}

const parse = (value: unknown) => parseManifest(Buffer.from(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined')))

describe('the manifest as hostile input', () => {
  it('accepts a valid manifest', () => {
    expect(parse(valid)).toEqual(valid)
  })

  it.each([
    ['not JSON', '{"format":', /not JSON/],
    ['another format', { ...valid, format: 'pulseline-backup/2' }, /format "pulseline-backup\/2"/],
    ['a path with ..', { ...valid, parts: [{ ...valid.parts[0]!, files: [{ ...valid.parts[0]!.files[0]!, path: 'registry/../../etc/passwd' }] }] }, /path/],
    ['an absolute path', { ...valid, parts: [{ ...valid.parts[0]!, files: [{ ...valid.parts[0]!.files[0]!, path: '/etc/passwd' }] }] }, /path/],
    ['a file in another part', { ...valid, parts: [{ ...valid.parts[0]!, files: [{ ...valid.parts[0]!.files[0]!, path: 'influx/x' }] }] }, /not in the folder of part registry/],
    ['a part twice', { ...valid, parts: [valid.parts[0]!, valid.parts[0]!] }, /listed twice/],
    ['an unknown key', { ...valid, extra: 1 }, /extra|property/i],
    ['a negative size', { ...valid, parts: [{ ...valid.parts[0]!, files: [{ ...valid.parts[0]!.files[0]!, bytes: -1 }] }] }, /bytes/],
  ])('refuses %s', (_name, value, message) => {
    expect(() => parse(value)).toThrow(message)
  })

  it('never crashes and never lets a path out of its folder, whatever is mutated', () => {
    const pathLike = fc.oneof(
      fc.string(),
      fc.constantFrom('registry/..', 'registry/./x', 'registry/.hidden', 'influx/a/b', 'registry\\..\\x', 'registry/x\u0000', 'registry/' + 'a'.repeat(300), 'dead-letters/ok.ndjson'),
    )
    fc.assert(
      fc.property(fc.anything(), pathLike, fc.nat({ max: 1 }), (junk, path, partIndex) => {
        const candidates: unknown[] = [junk, { ...valid, parts: valid.parts.map((p, i) => (i === partIndex ? { ...p, files: [{ ...p.files[0]!, path }] } : p)) }]
        for (const candidate of candidates) {
          let manifest: Manifest | undefined
          try {
            manifest = parse(candidate)
          } catch (err) {
            expect((err as { code?: string }).code).toBe('PL_BACKUP_MANIFEST')
            continue
          }
          for (const part of manifest.parts) {
            for (const f of part.files) {
              expect(f.path).toMatch(FILE_PATH)
              expect(normalize(f.path)).toBe(f.path)
              expect(f.path.startsWith(`${part.name}/`)).toBe(true)
            }
          }
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('retention', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pl-retention-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('keeps the newest N finished backups, removes stale unfinished ones, and touches nothing else', async () => {
    const finished = ['pulseline-20261125T020000Z', 'pulseline-20261126T020000Z', 'pulseline-20261126T020000Z-2', 'pulseline-20261126T020000Z-10', 'pulseline-20261127T020000Z']
    for (const name of finished) {
      await mkdir(join(dir, name))
      await writeFile(join(dir, name, 'manifest.json'), '{}')
    }
    await mkdir(join(dir, 'pulseline-20261127T030000Z')) // no manifest: not a finished backup, not ours to judge
    await mkdir(join(dir, 'pulseline-20261120T020000Z.partial')) // a crashed run's, a week old
    const weekAgo = new Date(Date.now() - 7 * 86_400_000)
    await utimes(join(dir, 'pulseline-20261120T020000Z.partial'), weekAgo, weekAgo)
    await mkdir(join(dir, 'pulseline-20261202T020000Z.partial')) // another run, still working
    await writeFile(join(dir, 'notes.txt'), 'operator notes')

    const deleted = await pruneBackups(dir, 2)
    expect(deleted.sort()).toEqual(['pulseline-20261120T020000Z.partial', 'pulseline-20261125T020000Z', 'pulseline-20261126T020000Z', 'pulseline-20261126T020000Z-2'])
    expect((await readdir(dir)).sort()).toEqual(['notes.txt', 'pulseline-20261126T020000Z-10', 'pulseline-20261127T020000Z', 'pulseline-20261127T030000Z', 'pulseline-20261202T020000Z.partial'])
  })
})
