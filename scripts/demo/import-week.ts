/**
 * The demo's week of members' own watch data: for each member who wears a watch, the simulator writes the
 * last seven nights and days as their watch or phone would export them (FIT sleep and monitoring files with a
 * TCX run, or an Apple Health export.xml with a GPX run) and they are imported through the same path as
 * `npm run import`, so sleep, steps and daily summaries are there to see from the first minute.
 */
import { join } from 'node:path'
import { InfluxClient } from '@pulseline/influx'
import { openRegistry } from '@pulseline/registry'
import type { GymPlan } from '@pulseline/firmware-sim'
import { simulateWeek, writeWeekFiles } from '@pulseline/firmware-sim/files'
import { planHealthExport, planImport, readMemberFile, sniffFile, storeHealthExport, storeImport } from '@pulseline/files'

export async function importDemoWeek(plan: GymPlan, seed: number, registryPath: string, influxUrl: string, dir: string, say: (line: string) => void): Promise<number> {
  const registry = await openRegistry(registryPath)
  const influx = new InfluxClient({ url: influxUrl, database: 'pulseline' })
  let points = 0
  try {
    const wearers = plan.devices.filter((d) => d.kind === 'watch').map((d) => d.memberId)
    for (const [i, member] of wearers.entries()) {
      const format = i % 2 === 0 ? 'fit' : 'apple_health'
      const files = await writeWeekFiles(join(dir, member), simulateWeek(member, seed, Date.now()), format, 3_900_000_000 + i)
      for (const path of files) {
        const name = path.split('/').at(-1)!
        if ((await sniffFile(path)) === 'apple_health') points += (await storeHealthExport(path, name, await planHealthExport(path, name), member, registry, influx)).points
        else points += (await storeImport(planImport(name, await readMemberFile(path)), member, registry, influx)).points
      }
      say(`Files: ${member}'s last week from their ${format === 'fit' ? 'watch (FIT sleep and monitoring files, a TCX run)' : 'phone (an Apple Health export, a GPX run)'} imported`)
    }
  } finally {
    await Promise.all([registry.close(), influx.close()])
  }
  return points
}
