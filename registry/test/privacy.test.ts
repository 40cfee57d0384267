/**
 * Export and erasure of a member on a real InfluxDB: after erasure nothing of theirs can be queried, and
 * the other member's data is untouched.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { sampleToLines, seriesTags } from '@pulseline/protocol'
import { SqliteRegistry, eraseMember, exportMember } from '@pulseline/registry'
import { freshDatabase } from '../../test/setup/influx.js'

describe('privacy operations', () => {
  let influx: InfluxClient
  let registry: SqliteRegistry
  afterAll(async () => {
    await influx?.close()
    await registry?.close()
  })

  it('exports a member, then erases them, leaving zero points of theirs and the other member intact', async () => {
    registry = SqliteRegistry.open(':memory:')
    await registry.createGym({ id: 'g', name: 'G', timezone: 'UTC' })
    for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'g', role: 'member', displayName: id, login: null })
    await registry.setMemberProfile('ann', { birthYear: 1990, sex: 'female', weightKg: 60 })
    await registry.createDevice({ id: 'ann-watch', gymId: 'g', kind: 'watch', address: null, serial: null, ownerUserId: 'ann', pool: false })
    await registry.createDevice({ id: 'pool-1', gymId: 'g', kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
    await registry.assign('pool-1', 'ann', 1_000_000)
    await registry.assign('pool-1', 'bob', 2_000_000)

    influx = await freshDatabase('privacy')
    const t = 1_700_000_000_000
    await influx.write(
      [
        sampleToLines({ kind: 'hr', t, bpm: 120, rr_ms: [500] }, seriesTags('pool-1', 'g', 'ann')),
        sampleToLines({ kind: 'hr', t: t + 1000, bpm: 130 }, seriesTags('pool-1', 'g', 'bob')),
        sampleToLines({ kind: 'steps', t, total: 50 }, seriesTags('ann-watch', 'g')),
        sampleToLines({ kind: 'hr', t, bpm: 70 }, seriesTags('ann-watch', 'g', 'ann')),
      ].join(''),
    )

    const exported = await exportMember(registry, influx, 'ann', 'admin-1')
    expect(exported.profile).toMatchObject({ birthYear: 1990, weightKg: 60 })
    expect(exported.devices.map((d) => d.id)).toEqual(['ann-watch'])
    expect(exported.assignments.map((a) => a.deviceId)).toEqual(['pool-1'])
    expect(Object.fromEntries(Object.entries(exported.history).map(([m, rows]) => [m, rows.length]))).toEqual({ hr: 2, rr: 1, steps: 1 })

    await eraseMember(registry, influx, 'ann', 'admin-1')
    const count = async (where: string, params: Record<string, string>) => {
      let n = 0
      for (const m of ['hr', 'rr', 'steps', 'sleep', 'equipment', 'device_status']) n += rowsOf(await influx.query(`SELECT * FROM "${m}" WHERE ${where}`, params)).length
      return n
    }
    expect(await count('"member" = $m', { m: 'ann' })).toBe(0)
    expect(await count('"device" = $d', { d: 'ann-watch' })).toBe(0)
    expect(await count('"member" = $m', { m: 'bob' })).toBe(1)
    expect(await registry.user('ann')).toBeUndefined()
    expect(await registry.memberProfile('ann')).toBeUndefined()
    expect(await registry.device('ann-watch')).toBeUndefined()
    expect((await registry.assignments('pool-1')).map((a) => a.userId)).toEqual(['bob'])
  })
})
