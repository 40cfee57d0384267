/**
 * `npm run import` and `npm run export` as a member would run them, against a real InfluxDB and a registry
 * file: the dry run stores nothing; an import lands in the live series tagged with its device and source, and
 * twice is the same as once; another member's device and a damaged file are refused with nothing written; a
 * class exported as FIT decodes back to what was stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { inject } from 'vitest'
import { Decoder, Stream } from '@garmin/fitsdk'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { SqliteRegistry } from '@pulseline/registry'
import { freshDatabase } from '../../test/setup/influx.js'
import { encodeActivity } from '../src/fit/encode-fit.js'
import { T0 } from './fixtures.js'

const root = join(import.meta.dirname, '../..')
const run = promisify(execFile)

describe('import and export from the command line', () => {
  let dir: string
  let influx: InfluxClient
  let env: NodeJS.ProcessEnv
  const records = Array.from({ length: 600 }, (_, i) => ({ t: T0 + i * 1000, hr: 100 + (i % 50), power: 150 + (i % 40), cadence: 88, speedKmh: 32.4, distanceM: i * 9 }))

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pl-files-'))
    influx = await freshDatabase('files')
    const registry = SqliteRegistry.open(join(dir, 'registry.sqlite'))
    await registry.createGym({ id: 'gym-1', name: 'Gym', timezone: 'Europe/Zurich' })
    for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'gym-1', role: 'member', displayName: id, login: null })
    await registry.startSession({ id: 'class-1', gymId: 'gym-1', coachUserId: null, title: 'Spin', startedMs: T0 - 60_000, endedMs: T0 + 700_000 })
    await registry.close()
    // A watch's own file of the ride: the FIT SDK's encoder, with the watch's serial in file_id.
    const fit = Buffer.from(encodeActivity({ sport: 'cycling', startMs: T0, endMs: T0 + 600_000, records, creator: { manufacturer: 'garmin', product: 3121, serial: 3_987_654_321 } }))
    await writeFile(join(dir, 'ride.fit'), fit)
    const bad = Buffer.from(fit)
    bad[300] = bad[300]! ^ 0x40
    await writeFile(join(dir, 'bad.fit'), bad)
    env = { ...process.env, PULSELINE_REGISTRY: join(dir, 'registry.sqlite'), INFLUX_URL: inject('influxUrl') }
  })
  afterAll(async () => {
    await influx.close()
    await rm(dir, { recursive: true, force: true })
  })

  const cli = (script: string, args: string[]) =>
    run(process.execPath, ['--import', 'tsx', `files/src/cli/${script}.ts`, ...args, '--database', influx.options.database], { cwd: root, env }).then((r) => ({ ...r, code: 0 }), (err: { code: number; stdout: string; stderr: string }) => err)
  const stored = async (member: string) => Number(rowsOf(await influx.query(`SELECT count(bpm) FROM hr WHERE "member" = $member`, { member }))[0]?.count ?? 0)

  it('--dry-run prints counts per kind, the time range and heart rate mean and maximum, and stores nothing', async () => {
    const { stdout } = await cli('import', [join(dir, 'ride.fit'), '--member', 'ann', '--dry-run'])
    const bpm = records.map((r) => r.hr)
    const mean = Math.round((bpm.reduce((a, b) => a + b) / bpm.length) * 10) / 10
    expect(stdout).toContain('samples: hr 600, equipment 600')
    expect(stdout).toContain(`from ${new Date(T0).toISOString()} to ${new Date(T0 + 599_000).toISOString()}`)
    expect(stdout).toContain(`heart rate: mean ${mean} bpm, max 149 bpm`)
    expect(stdout).toContain('dry run: nothing stored')
    expect(await stored('ann')).toBe(0)
  })

  it('imports into the live series, tagged with the device and the source; a second import stores the same points once', async () => {
    for (let i = 0; i < 2; i++) {
      const { stdout } = await cli('import', [join(dir, 'ride.fit'), '--member', 'ann'])
      expect(stdout).toContain('stored 1200 samples for ann as device garmin-3987654321')
    }
    expect(await stored('ann')).toBe(600)
    const tags = rowsOf(await influx.query(`SHOW TAG VALUES FROM hr WITH KEY IN ("device", "gym", "source") WHERE "member" = 'ann'`)).map((r) => `${r.key}=${r.value}`)
    expect(tags.sort()).toEqual(['device=garmin-3987654321', 'gym=gym-1', 'source=fit'])
    const power = rowsOf(await influx.query(`SELECT power_w FROM equipment WHERE "member" = 'ann'`)).map((r) => r.power_w)
    expect(power).toEqual(records.map((r) => r.power))
    const registry = SqliteRegistry.open(join(dir, 'registry.sqlite'))
    expect(await registry.device('garmin-3987654321')).toMatchObject({ ownerUserId: 'ann', kind: 'watch', serial: '3987654321' })
    await registry.close()
  })

  it("another member's device is refused, and nothing is written for them", async () => {
    const failed = await cli('import', [join(dir, 'ride.fit'), '--member', 'bob'])
    expect(failed.code).toBe(2)
    expect(failed.stderr).toContain('import: PL_FILE_DEVICE_NOT_OWN ride.fit: device garmin-3987654321 belongs to another member')
    expect(await stored('bob')).toBe(0)
  })

  it('a damaged file is refused with the file, the place and the reason, and nothing is written', async () => {
    const failed = await cli('import', [join(dir, 'bad.fit'), '--member', 'bob'])
    expect(failed.code).toBe(2)
    expect(failed.stderr).toMatch(/import: PL_FILE_CORRUPT bad\.fit: byte \d+: file CRC 0x[0-9a-f]{4} does not match the data/)
    expect(await stored('bob')).toBe(0)
  })

  it('exports the class as a FIT file that passes the SDK check and holds what was stored', async () => {
    const out = join(dir, 'class.fit')
    const { stdout } = await cli('export', ['--member', 'ann', '--session', 'class-1', '--out', out])
    expect(stdout).toContain('cycling, 600 records')
    const decoder = new Decoder(Stream.fromByteArray(await readFile(out)))
    expect(decoder.checkIntegrity()).toBe(true)
    const { messages } = decoder.read()
    expect(messages.recordMesgs?.map((r) => [(r.timestamp as Date).getTime(), r.heartRate, r.power])).toEqual(records.map((r) => [r.t, r.hr, r.power]))
    const none = await cli('export', ['--member', 'bob', '--session', 'class-1', '--out', join(dir, 'none.fit')])
    expect(none.stderr).toContain('PL_EXPORT_EMPTY')
  })
})
