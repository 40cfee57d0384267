/**
 * The stack's InfluxDB user for analytics (compose.yaml's `setup` service, after the seed). The InfluxDB image
 * makes a write-only user (ingest) and a read-only one (the dashboard, Grafana); analytics reads the raw series
 * and writes what it derives, so it gets a user of its own with READ and WRITE on the database, and nothing more.
 * Idempotent: a second run sets the password from .env again and re-grants.
 *
 *   tsx scripts/setup-influx.ts   (settings from the environment, as compose passes them)
 */
import { InfluxClient, rowsOf } from '@pulseline/influx'
import { checkDeploymentSecret } from '@pulseline/config'

const need = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`setup-influx: ${name} is not set`)
  return value
}
const database = need('PULSELINE_INFLUX_DB')
const user = need('PULSELINE_INFLUX_ANALYTICS_USER')
const password = checkDeploymentSecret('PULSELINE_INFLUX_ANALYTICS_PASSWORD', need('PULSELINE_INFLUX_ANALYTICS_PASSWORD'))
// InfluxQL has no bound parameters for names and passwords: quote them (identifiers in "", strings in '').
const identifier = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`
const literal = (s: string) => `'${s.replace(/['\\]/g, '\\$&')}'`

const admin = new InfluxClient({ url: need('PULSELINE_INFLUX_URL'), database, username: need('INFLUXDB_ADMIN_USER'), password: need('INFLUXDB_ADMIN_PASSWORD') })
try {
  const exists = rowsOf(await admin.query('SHOW USERS')).some((row) => row.user === user)
  await admin.query(exists ? `SET PASSWORD FOR ${identifier(user)} = ${literal(password)}` : `CREATE USER ${identifier(user)} WITH PASSWORD ${literal(password)}`, undefined, 'POST')
  await admin.query(`GRANT ALL ON ${identifier(database)} TO ${identifier(user)}`, undefined, 'POST')
  console.log(`setup-influx: ${exists ? 'updated' : 'created'} InfluxDB user ${user} with READ and WRITE on ${database}`)
} finally {
  await admin.close()
}
