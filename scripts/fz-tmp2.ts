import { InfluxClient, startLocalInflux } from '@pulseline/influx'
import { dashboardUnderFuzz } from '../test/fuzz/dashboard-fuzzer.js'
const local = await startLocalInflux()
const influx = new InfluxClient({ url: local.url, database: 'fz' }); await influx.ensureDatabase()
const r = await dashboardUnderFuzz({ requests: Number(process.argv[2]), frames: 10, seed: Number(process.argv[3]), influx })
const seen = new Map<string, number>()
for (const e of r.serverErrors) seen.set(`${e.route} ${e.status} ${e.body}`, (seen.get(`${e.route} ${e.status} ${e.body}`) ?? 0) + 1)
console.log(JSON.stringify(r.statuses), [...seen])
await influx.close(); await local.stop()
