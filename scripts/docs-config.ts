/**
 * Writes the README's configuration reference from the options' schemas and defaults (their single
 * source of truth), between the markers <!-- config:begin --> and <!-- config:end -->.
 * `npm run docs:config` rewrites it; a test fails when the README is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { configReference } from './docs-config-lib.js'

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url))
const readme = readFileSync(readmePath, 'utf8')
const begin = '<!-- config:begin -->'
const end = '<!-- config:end -->'
const start = readme.indexOf(begin)
const stop = readme.indexOf(end)
if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} … ${end} section`)
writeFileSync(readmePath, `${readme.slice(0, start + begin.length)}\n${configReference()}\n${readme.slice(stop)}`)
console.log('README.md configuration reference updated')
