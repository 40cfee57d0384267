/**
 * A member's export on a real InfluxDB: every series tagged with them, raw and derived, their registry rows,
 * the classes they were in and the audit trail about them; nothing of the other member who wore the same
 * strap, nor untagged data of a device from before it was theirs. Streamed in chunks: the test reads it
 * with a chunk far smaller than the history. (Erasure is ingest's: ingest/test/erasure.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { InfluxClient } from '@pulseline/influx'
import { pointLine, sampleToLines, seriesTags } from '@pulseline/protocol'
import { exportMember, exportMemberValue, type HistoryReader, type Registry } from '@pulseline/registry'
import { REGISTRY_ENGINES } from '../../test/setup/registries.js'
import { freshDatabase } from '../../test/setup/influx.js'

describe.each(REGISTRY_ENGINES)('member export from $engine', (engine) => {
  let influx: InfluxClient
  let registry: Registry
  afterAll(async () => {
    await influx?.close()
    await registry?.close()
  })

  it('holds every series and record about the member, and nothing of anyone else', async () => {
    registry = await engine.open()
    await registry.createGym({ id: 'g', name: 'G', timezone: 'UTC' })
    for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'g', role: 'member', displayName: id, login: null })
    await registry.setMemberProfile('ann', { birthYear: 1990, sex: 'female', weightKg: 60 })
    await registry.createDevice({ id: 'ann-watch', gymId: 'g', kind: 'watch', address: null, serial: null, ownerUserId: 'ann', pool: false })
    await registry.createDevice({ id: 'pool-1', gymId: 'g', kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
    await registry.startSession({ id: 'class-1', gymId: 'g', coachUserId: null, title: 'Spin', startedMs: 1_000_000, endedMs: null })
    await registry.assign('pool-1', 'ann', 1_000_000, 'class-1')
    await registry.assign('pool-1', 'bob', 2_000_000)
    await registry.audit('coach-1', 'profile.view', 'ann')

    influx = await freshDatabase('privacy')
    const t = 1_700_000_000_000
    const hr = Array.from({ length: 120 }, (_, i) => sampleToLines({ kind: 'hr', t: t + i * 1000, bpm: 100 + (i % 30) }, seriesTags('pool-1', 'g', 'ann'))).join('')
    await influx.write(
      [
        hr,
        sampleToLines({ kind: 'hr', t, bpm: 120, rr_ms: [500] }, seriesTags('ann-watch', 'g', 'ann')),
        sampleToLines({ kind: 'hr', t: t + 1000, bpm: 130 }, seriesTags('pool-1', 'g', 'bob')),
        // untagged: the watch before it was ann's
        sampleToLines({ kind: 'steps', t: t - 86_400_000, total: 50 }, seriesTags('ann-watch', 'g')),
        pointLine('effort', { gym: 'g', member: 'ann', session: 'class-1' }, { points: 3 }, t + 60_000),
        pointLine('anomaly', { device: 'pool-1', gym: 'g', member: 'ann', severity: 'info', type: 'dropout' }, { start_ms: t, detected_ms: t + 5000 }, t),
        pointLine('hr_1m', { device: 'pool-1', gym: 'g', member: 'ann' }, { mean: 110 }, t),
        pointLine('effort', { gym: 'g', member: 'bob', session: 'class-1' }, { points: 4 }, t + 60_000),
      ].join(''),
    )

    // A reader that serves at most 25 rows a chunk: the export must stitch many chunks into one document.
    let chunks = 0
    const small: HistoryReader = {
      async *queryChunks(q, params) {
        for await (const rows of influx.queryChunks(q, params, 25)) {
          chunks++
          yield rows
        }
      },
    }
    const exported = (await exportMemberValue(registry, small, 'ann', 'admin-1')) as Record<string, unknown>
    expect(chunks).toBeGreaterThanOrEqual(5)
    expect(exported.profile).toMatchObject({ birthYear: 1990, weightKg: 60 })
    expect((exported.devices as Array<{ id: string }>).map((d) => d.id)).toEqual(['ann-watch'])
    expect((exported.assignments as Array<{ deviceId: string }>).map((a) => a.deviceId)).toEqual(['pool-1'])
    expect((exported.sessions as Array<{ id: string }>).map((s) => s.id)).toEqual(['class-1'])
    expect((exported.audit as Array<{ actor: string; action: string }>).map((a) => `${a.actor} ${a.action}`)).toEqual(['coach-1 profile.view'])
    const history = exported.history as Record<string, Array<Record<string, unknown>>>
    expect(Object.fromEntries(Object.entries(history).map(([m, rows]) => [m, rows.length]))).toEqual({ hr: 121, rr: 1, effort: 1, anomaly: 1, hr_1m: 1 })
    expect(new Set(Object.values(history).flat().map((r) => r.member))).toEqual(new Set(['ann']))
    // The export itself is audited.
    expect((await registry.auditAbout('ann')).map((a) => a.action)).toEqual(['profile.view', 'member.export'])
  })

  it('refuses an unknown member before streaming anything', async () => {
    await expect(exportMember(registry, influx, 'nobody', 'admin-1')).rejects.toThrow(/no user nobody/)
  })
})
