/**
 * Starts one private influxd for the whole test run (or uses INFLUX_URL) and hands its URL to the tests
 * through vitest's `provide`. Each test file writes to databases of its own, so files can run in parallel.
 */
import type { TestProject } from 'vitest/node'
import { ensureDebianBinary, ensureInfluxd, startLocalInflux, type LocalInflux } from '@pulseline/influx'

let influx: LocalInflux | undefined

export async function setup(project: TestProject): Promise<void> {
  // The gateway's tests run a private dbus-daemon.
  ensureDebianBinary('dbus-daemon', 'dbus-daemon', true, (line) => console.log(`[test setup] ${line}`))
  // The TLS test makes a self-signed certificate.
  ensureDebianBinary('openssl', 'openssl', true, (line) => console.log(`[test setup] ${line}`))
  // The dashboard's browser tests drive Debian's Chromium through playwright-core.
  ensureDebianBinary('chromium', 'chromium', true, (line) => console.log(`[test setup] ${line}`))
  let url = process.env.INFLUX_URL
  if (!url) {
    // Like the demo, a fresh Debian machine gets influxd from apt when the tests run as root.
    influx = await startLocalInflux({ binary: ensureInfluxd(true, (line) => console.log(`[test setup] ${line}`)) })
    url = influx.url
  }
  project.provide('influxUrl', url)
}

export async function teardown(): Promise<void> {
  await influx?.stop()
}

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string
  }
}
