/** `npm run grafana:build`: writes every dashboard's JSON to grafana/dashboards/ (a test fails if they are stale). */
import { writeFile } from 'node:fs/promises'
import { DASHBOARDS, dashboardJson } from '../src/index.js'

for (const name of Object.keys(DASHBOARDS)) {
  await writeFile(new URL(`../dashboards/${name}.json`, import.meta.url), dashboardJson(name))
  console.log(`grafana/dashboards/${name}.json`)
}
