/**
 * The demo's InfluxDB: INFLUX_URL if set; else influxd from PATH, installed from Debian's package first
 * when missing (as root on Debian). Data stays in the demo's data directory between runs.
 */
import { ensureInfluxd, startLocalInflux, type LocalInflux } from '@pulseline/influx'

export interface DemoInflux {
  url: string
  local: LocalInflux | undefined
}

export async function demoInflux(dataDir: string, say: (line: string) => void): Promise<DemoInflux> {
  if (process.env.INFLUX_URL) {
    say(`InfluxDB: using INFLUX_URL=${process.env.INFLUX_URL}`)
    return { url: process.env.INFLUX_URL, local: undefined }
  }
  const binary = ensureInfluxd(true, (line) => say(`InfluxDB: ${line}`))
  say(`InfluxDB: starting ${binary} with its data in ${dataDir}`)
  const local = await startLocalInflux({ binary, dir: dataDir })
  say(`InfluxDB: listening on ${local.url} (pid ${local.pid})`)
  return { url: local.url, local }
}
