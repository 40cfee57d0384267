import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '@pulseline/protocol'
import { configReference } from '../../scripts/docs-config-lib.js'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

describe('documentation stays true to the code', () => {
  it('documents every error code', () => {
    const doc = read('docs/errors.md')
    const missing = Object.keys(ERROR_CODES).filter((code) => !doc.includes(`\`${code}\``))
    expect(missing).toEqual([])
  })

  it("has the README's configuration reference generated from the options' schemas (npm run docs:config)", () => {
    expect(read('README.md')).toContain(configReference())
  })

  it('gives the same two quick-start commands in the README as the demo and .ci/run use', () => {
    // The quick start's fenced block holds exactly the two commands, each on its own line.
    const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(read('README.md'))?.[1]
    expect(quickStart?.trim().split('\n')).toEqual(['npm start', 'npm test'])
    expect(read('.ci/run')).toMatch(/^npm test$/m)
  })
})
