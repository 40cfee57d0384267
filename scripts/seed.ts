/**
 * Seeds a demo gym for the containerised stack (compose.yaml's `setup` service): the registry, the
 * simulator's device secrets and the services' identities, in --data. The services' MQTT secrets come from
 * the environment (.env), so ingest, analytics and the dashboard agree on them. An existing registry is
 * left alone: the stack's data survives restarts.
 *
 *   tsx scripts/seed.ts --data /data [--members 20] [--machines 6] [--seed 1]
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { planGym } from '@pulseline/firmware-sim'
import { checkDeploymentSecret } from '@pulseline/config'
import { seedDemoRegistry } from './demo/seed.js'

const { values } = parseArgs({ options: { data: { type: 'string', default: '/data' }, members: { type: 'string', default: '20' }, machines: { type: 'string', default: '6' }, seed: { type: 'string', default: '1' }, gym: { type: 'string', default: 'demo-gym' } } })
const registryPath = join(values.data!, 'registry.sqlite')
if (existsSync(registryPath)) {
  console.log(`seed: ${registryPath} exists; leaving it as it is`)
  process.exit(0)
}
// The stack's other secrets pass through here too: refuse the example file's placeholders before anything starts.
for (const name of ['INFLUXDB_ADMIN_PASSWORD', 'PULSELINE_INFLUX_WRITE_PASSWORD', 'PULSELINE_INFLUX_READ_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']) {
  const value = process.env[name]
  if (value !== undefined) checkDeploymentSecret(name, value)
}
const now = Date.now()
const plan = planGym({ seed: Number(values.seed), gym: values.gym!, members: Number(values.members), machines: Number(values.machines), startMs: now, classStartMs: now })
const seeded = await seedDemoRegistry(registryPath, plan, 'demo-gateway', now, join(values.data!, 'device-secrets.json'), join(values.data!, 'services.json'), {
  analytics: process.env.PULSELINE_ANALYTICS_MQTT_PASSWORD,
  dashboard: process.env.PULSELINE_DASHBOARD_MQTT_PASSWORD,
})
// Passwords go to a file only root can read, never to the container log (security review L10).
const loginsPath = join(values.data!, 'initial-logins.json')
writeFileSync(loginsPath, JSON.stringify(seeded.logins, null, 2), { mode: 0o600 })
for (const l of seeded.logins) console.log(`seed: ${l.role} login ${l.login}; its password is in ${loginsPath}`)
console.log(`seed: ${plan.devices.length} devices, registry at ${registryPath}`)
