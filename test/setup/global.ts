/**
 * Starts one private influxd (or uses INFLUX_URL) and one private PostgreSQL (or uses POSTGRES_URL, a
 * superuser's) for the whole test run, and hands their URLs to the tests through vitest's `provide`. Each
 * test file makes databases of its own, so files can run in parallel.
 */
import type { TestProject } from 'vitest/node'
import { ensureDebianBinary, ensureInfluxd, startLocalInflux, type LocalInflux } from '@pulseline/influx'
import { findPostgresBin, startLocalPostgres, type LocalPostgres } from '@pulseline/registry'

let influx: LocalInflux | undefined
let postgres: LocalPostgres | undefined

export async function setup(project: TestProject): Promise<void> {
  // The gateway's tests run a private dbus-daemon.
  ensureDebianBinary('dbus-daemon', 'dbus-daemon', true, (line) => console.log(`[test setup] ${line}`))
  // The TLS test makes a self-signed certificate.
  ensureDebianBinary('openssl', 'openssl', true, (line) => console.log(`[test setup] ${line}`))
  // The cluster's tests run Redis, NATS and HAProxy (test/cluster/engines.ts); installed here, once, not by
  // test files in parallel racing for apt's lock.
  for (const engine of ['redis-server', 'nats-server', 'haproxy']) ensureDebianBinary(engine, engine, true, (line) => console.log(`[test setup] ${line}`))
  // The dashboard's browser tests drive Debian's Chromium through playwright-core.
  ensureDebianBinary('chromium', 'chromium', true, (line) => console.log(`[test setup] ${line}`))
  let url = process.env.INFLUX_URL
  if (!url) {
    // Like the demo, a fresh Debian machine gets influxd from apt when the tests run as root.
    influx = await startLocalInflux({ binary: ensureInfluxd(true, (line) => console.log(`[test setup] ${line}`)) })
    url = influx.url
  }
  project.provide('influxUrl', url)
  // The registry's tests run against SQLite and PostgreSQL alike. fsync off: these tests do not measure
  // durability, and each makes databases by the dozen.
  if (!process.env.POSTGRES_URL) {
    // Debian installs the server outside PATH; its cluster tool, on PATH, says whether the package is there.
    if (!findPostgresBin()) ensureDebianBinary('pg_ctlcluster', 'postgresql', true, (line) => console.log(`[test setup] ${line}`))
    postgres = await startLocalPostgres({ unsafeFast: true })
  }
  project.provide('postgresUrl', process.env.POSTGRES_URL ?? postgres!.url)
}

export async function teardown(): Promise<void> {
  await influx?.stop()
  await postgres?.stop()
}

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string
    postgresUrl: string
  }
}
