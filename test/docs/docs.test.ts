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

  it('gives the same test command in the README as .ci/run runs', () => {
    expect(read('README.md')).toContain('npm test')
    expect(read('.ci/run')).toMatch(/^npm test$/m)
  })
})
