/**
 * `npm run grafana:build`: writes every dashboard's JSON to grafana/dashboards/, the alert rules for Grafana
 * and Prometheus, and the README's alert runbook (tests fail when any is stale).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { DASHBOARDS, dashboardJson } from '../src/index.js'
import { ALERT_FILES, runbook } from '../src/alerts/index.js'

for (const name of Object.keys(DASHBOARDS)) {
  await writeFile(new URL(`../dashboards/${name}.json`, import.meta.url), dashboardJson(name))
  console.log(`grafana/dashboards/${name}.json`)
}
for (const [path, text] of Object.entries(ALERT_FILES)) {
  await writeFile(new URL(`../${path}`, import.meta.url), text())
  console.log(`grafana/${path}`)
}
const readmeUrl = new URL('../../README.md', import.meta.url)
const readme = await readFile(readmeUrl, 'utf8')
const [begin, end] = ['<!-- alerts:begin -->', '<!-- alerts:end -->']
const start = readme.indexOf(begin)
const stop = readme.indexOf(end)
if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} … ${end} section`)
await writeFile(readmeUrl, `${readme.slice(0, start + begin.length)}\n${runbook()}\n${readme.slice(stop)}`)
console.log('README.md alert runbook')
