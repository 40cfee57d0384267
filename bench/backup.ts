/**
 * Backup and restore speed (npm run bench -- --only backup): a database of `points` heart-rate points over
 * 2,000 devices (noisy values and arrival times, as straps send them), backed up plain and encrypted, and restored into a new database of the same influxd; medians
 * of `runs`. The encryption's cost is the ratio of the two backups in the same run. A restore's point count is
 * checked against what was written, so a fast but wrong restore fails the bench.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InfluxClient, rowsOf, type LocalInflux } from '@pulseline/influx'
import { SqliteRegistry } from '@pulseline/registry'
import { backup, backupKey, resolveInstallation, restore } from '@pulseline/ops'
import { createRandom } from '@pulseline/firmware-sim'
import { median } from './proc.js'

const DEVICES = 2000

export async function backupBench(local: LocalInflux, log: (line: string) => void, runs: number, points: number): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-bench-backup-'))
  const database = `bench_backup_${randomBytes(3).toString('hex')}`
  const influx = new InfluxClient({ url: local.url, database })
  try {
    await influx.ensureDatabase()
    const base = Date.now() - 86_400_000
    // Seeded noise with no structure for TSM's or gzip's encoders to find (a multiplicative hash of the index
    // compressed 5 million points to 2 MiB).
    const random = createRandom(42, 'backup-bench')
    for (let start = 0; start < points; start += 5000) {
      let body = ''
      // Heart rates and arrival jitter as a strap's: values that do not compress to nothing.
      for (let n = start; n < Math.min(points, start + 5000); n++) {
        body += `hr,device=d${n % DEVICES},gym=bench bpm=${random.int(70, 179)}i,energy_kj=${n >> 8}i ${base + Math.floor(n / DEVICES) * 1000 + random.int(0, 996)}\n`
      }
      await influx.write(body)
    }
    const registryPath = join(dir, 'registry.sqlite')
    await SqliteRegistry.open(registryPath).close()
    const installation = resolveInstallation({
      registry: { path: registryPath },
      identities: { file: '' },
      log: { dir: join(dir, 'log') },
      deadLetters: { dir: join(dir, 'dead') },
      influx: { url: local.url, rpc: local.rpc, database },
    })
    const key = backupKey(randomBytes(32))
    const plain: number[] = []
    const sealed: number[] = []
    const restored: number[] = []
    let bytes = 0
    for (let r = 1; r <= runs; r++) {
      log(`run ${r}/${runs}: backup of ${points.toLocaleString('en-US')} points, plain and encrypted, and a restore`)
      let t = performance.now()
      await backup({ installation, out: join(dir, `plain-${r}`) })
      plain.push((performance.now() - t) / 1000)
      t = performance.now()
      const made = await backup({ installation, out: join(dir, `sealed-${r}`), key })
      sealed.push((performance.now() - t) / 1000)
      bytes = made.manifest.parts.flatMap((p) => p.files).reduce((n, f) => n + f.bytes, 0)
      const target = join(dir, `target-${r}`)
      const into = resolveInstallation({
        registry: { path: join(target, 'registry.sqlite') },
        identities: { file: '' },
        log: { dir: join(target, 'log') },
        deadLetters: { dir: join(target, 'dead') },
        influx: { url: local.url, rpc: local.rpc, database: `${database}_r${r}` },
      })
      t = performance.now()
      await restore({ dir: made.dir, installation: into, key })
      restored.push((performance.now() - t) / 1000)
      const check = new InfluxClient({ url: local.url, database: into.influx.database })
      const count = Number(rowsOf(await check.query('SELECT count(bpm) FROM hr'))[0]?.count ?? 0)
      await check.query(`DROP DATABASE "${into.influx.database}"`, undefined, 'POST')
      await check.close()
      if (count !== points) throw new Error(`restore ${r} holds ${count} points, not ${points}`)
    }
    const [p, s, rs] = [median(plain), median(sealed), median(restored)]
    const mib = bytes / 1048576
    return [
      '',
      `## Backup and restore (${points.toLocaleString('en-US')} points over ${DEVICES.toLocaleString('en-US')} devices; medians of ${runs})`,
      '',
      '| step | seconds | points/s | note |',
      '|---|---:|---:|---|',
      `| backup, plain | ${p.toFixed(2)} | ${Math.round(points / p).toLocaleString('en-US')} | |`,
      `| backup, encrypted | ${s.toFixed(2)} | ${Math.round(points / s).toLocaleString('en-US')} | ${(s / p).toFixed(2)}× the plain backup; ${mib.toFixed(1)} MiB stored |`,
      `| restore (verify, decrypt, influxd restore) | ${rs.toFixed(2)} | ${Math.round(points / rs).toLocaleString('en-US')} | every point counted back |`,
    ]
  } finally {
    await influx.query(`DROP DATABASE "${database}"`, undefined, 'POST').catch(() => undefined)
    await influx.close()
    await rm(dir, { recursive: true, force: true })
  }
}
