// Runs `npm ci` when node_modules is missing or older than package-lock.json, so that `npm start` and
// `npm test` work as the first commands on a fresh clone. Plain JS: it runs before tsx is installed.
import { execSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'

const marker = 'node_modules/.package-lock.json'
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs) {
  console.log('[pulseline] installing npm dependencies (npm ci) ...')
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' })
}
