/**
 * The demo's week of members' own watch data: for each member who wears a watch, the simulator writes the
 * last seven days as their watch or phone would export them (FIT sleep and monitoring files with a TCX run,
 * or an Apple Health export.xml with a GPX run) and they are imported through the same path as
 * `npm run import`; last night comes live, as the watch sends it over MQTT when it syncs in the morning. So
 * sleep, steps and daily summaries are there to see from the first minute, through both paths.
 */
import { join } from 'node:path'
import { InfluxClient } from '@pulseline/influx'
import { openRegistry } from '@pulseline/registry'
import type { GymPlan } from '@pulseline/firmware-sim'
import { nightSamples, simulateWeek, writeWeekFiles } from '@pulseline/firmware-sim/files'
import mqtt from 'mqtt'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { planHealthExport, planImport, readMemberFile, sniffFile, storeHealthExport, storeImport } from '@pulseline/files'

export interface LiveWatches {
  url: string
  gym: string
  secrets: ReadonlyMap<string, string>
}

export async function importDemoWeek(plan: GymPlan, seed: number, registryPath: string, influxUrl: string, dir: string, live: LiveWatches, say: (line: string) => void): Promise<number> {
  const registry = await openRegistry(registryPath)
  const influx = new InfluxClient({ url: influxUrl, database: 'pulseline' })
  let points = 0
  try {
    const watches = plan.devices.filter((d) => d.kind === 'watch')
    for (const [i, watch] of watches.entries()) {
      const member = watch.memberId
      const format = i % 2 === 0 ? 'fit' : 'apple_health'
      const week = simulateWeek(member, seed, Date.now())
      const lastNight = week.nights.at(-1)!
      const files = await writeWeekFiles(join(dir, member), { ...week, nights: week.nights.slice(0, -1) }, format, 3_900_000_000 + i)
      for (const path of files) {
        const name = path.split('/').at(-1)!
        if ((await sniffFile(path)) === 'apple_health') points += (await storeHealthExport(path, name, await planHealthExport(path, name), member, registry, influx)).points
        else points += (await storeImport(planImport(name, await readMemberFile(path)), member, registry, influx)).points
      }
      // Last night, live: the watch publishes it as a device does, validated and logged by ingest before the PUBACK.
      const client = await mqtt.connectAsync(live.url, { username: watch.id, password: live.secrets.get(watch.id)!, reconnectPeriod: 0 })
      await client.publishAsync(deviceSamplesTopic(live.gym, watch.id), encodePayload(nightSamples(lastNight)), { qos: 1 })
      await client.endAsync()
      say(`Files: ${member}'s last week from their ${format === 'fit' ? 'watch (FIT sleep and monitoring files, a TCX run)' : 'phone (an Apple Health export, a GPX run)'} imported; last night sent live by their watch`)
    }
  } finally {
    await Promise.all([registry.close(), influx.close()])
  }
  return points
}
