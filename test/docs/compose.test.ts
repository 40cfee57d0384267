/**
 * compose.yaml against the code: every PULSELINE_{SERVICE}_* variable it sets is one the service reads
 * (a misspelt one would be silently ignored), every service has its Dockerfile, and, where Debian's
 * docker-compose is installed (CI installs it), the file validates. The stack itself runs in
 * test/containers (npm run test:containers).
 */
import { existsSync, readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { envNames } from '@pulseline/config'
import { IngestOptionsSchema } from '@pulseline/ingest'
import { GatewayOptionsSchema } from '@pulseline/gateway'
import { AnalyticsOptionsSchema } from '@pulseline/analytics'
import { DashboardOptionsSchema } from '@pulseline/dashboard'
import { InstallationSchema } from '@pulseline/ops'

const root = new URL('../../', import.meta.url).pathname
const compose = readFileSync(`${root}compose.yaml`, 'utf8')
const known = new Set([
  ...envNames('PULSELINE_INGEST', IngestOptionsSchema),
  ...envNames('PULSELINE_GATEWAY', GatewayOptionsSchema),
  ...envNames('PULSELINE_ANALYTICS', AnalyticsOptionsSchema),
  ...envNames('PULSELINE_DASHBOARD', DashboardOptionsSchema),
  ...envNames('PULSELINE_BACKUP', InstallationSchema),
])

describe('compose.yaml', () => {
  it('sets only option variables the services read', () => {
    // Keys of `environment:` maps (not the ${...} references to .env).
    const set = [...compose.matchAll(/^\s+(PULSELINE_(?:INGEST|GATEWAY|ANALYTICS|DASHBOARD|BACKUP)_[A-Z_]+):/gm)].map((m) => m[1]!)
    expect(set.length).toBeGreaterThan(20)
    expect(set.filter((name) => !known.has(name))).toEqual([])
  })

  it('builds every service from its own Dockerfile, multi-stage and non-root', () => {
    const dockerfiles = [...compose.matchAll(/dockerfile: (\S+)/g)].map((m) => m[1]!)
    expect(new Set(dockerfiles)).toEqual(new Set(['firmware-sim/Dockerfile', 'ingest/Dockerfile', 'analytics/Dockerfile', 'dashboard/Dockerfile', 'gateway/Dockerfile', 'ops/Dockerfile']))
    for (const file of new Set(dockerfiles)) {
      const text = readFileSync(`${root}${file}`, 'utf8')
      expect(text.match(/^FROM /gm)!.length, file).toBeGreaterThanOrEqual(2)
      expect(text, file).toMatch(/^USER node$/m)
    }
  })

  it('has every variable it needs in .env.example', () => {
    const env = new Set(readFileSync(`${root}.env.example`, 'utf8').split('\n').filter((l) => /^[A-Z]/.test(l)).map((l) => l.split('=')[0]!))
    const required = [...compose.matchAll(/\$\{([A-Z_]+)(?::[?-][^}]*)?\}/g)].map((m) => m[1]!)
    expect(required.filter((v) => !env.has(v))).toEqual([])
  })

  it.skipIf(!existsSync('/usr/bin/docker-compose'))('validates with docker-compose config; the gateway is in the ble profile, backups in the backup profile', () => {
    const run = (...args: string[]) => execFileSync('docker-compose', ['-f', 'compose.yaml', '--env-file', '.env.example', ...args], { cwd: root, encoding: 'utf8' })
    expect(run('config', '--services').split('\n').filter(Boolean).sort()).toEqual(['analytics', 'backup', 'dashboard', 'gateway', 'grafana', 'influxdb', 'ingest', 'setup', 'sim'])
    expect(run('config')).toMatch(/^ {2}gateway:\n(?: {4}.*\n)*? {4}profiles:\n {4}- ble$/m)
    expect(run('config')).toMatch(/^ {2}backup:\n(?: {4}.*\n)*? {4}profiles:\n {4}- backup$/m)
  })
})
