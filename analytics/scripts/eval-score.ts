/**
 * `npm run score` on the Numenta Anomaly Benchmark: `npm run eval:score -- <NAB checkout> [--out file.md]`.
 *
 * Reads NAB's series (data/<category>/<file>.csv, "timestamp,value") and labelled windows
 * (labels/combined_windows.json), scores each file as `npm run score -- <file> --kind generic` would, and
 * scores the result with NAB's standard profile (scripts/nab/scoring.ts) at the threshold that is best over the
 * whole corpus, as NAB does for every detector. Where the checkout holds NAB's published results
 * (results/<detector>/<detector>_standard_scores.csv), each file's published scores are printed beside ours.
 * NAB is not shipped with Pulseline (AGPL-3.0 code, data under its own terms): get it from
 * https://github.com/numenta/NAB.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand } from '@pulseline/config'
import { scoreSeries, type Row } from '../src/cli/score.js'
import { normalised, scoreFile, type FileScore, type LabelledWindow } from './nab/scoring.js'

const PUBLISHED = ['numenta', 'twitterADVec', 'skyline', 'bayesChangePt', 'random', 'null']
const THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1]

/** NAB writes "2014-04-01 00:00:00" (and windows with ".000000"); both are UTC. */
export function nabTime(text: string): number {
  const t = Date.parse(`${text.trim().slice(0, 19).replace(' ', 'T')}Z`)
  if (!Number.isFinite(t)) throw new Error(`not a NAB timestamp: ${JSON.stringify(text)}`)
  return t
}

export interface NabFile {
  name: string
  rows: Row[]
  windows: LabelledWindow[]
}

export async function readNab(root: string): Promise<NabFile[]> {
  const labels = JSON.parse(await readFile(join(root, 'labels/combined_windows.json'), 'utf8')) as Record<string, [string, string][]>
  const files: NabFile[] = []
  for (const name of Object.keys(labels).sort()) {
    const text = await readFile(join(root, 'data', name), 'utf8')
    const rows = text.split(/\r?\n/).slice(1).filter((l) => l.trim() !== '').map((line) => {
      const [t, v] = line.split(',')
      return { t: nabTime(t!), value: Number(v) }
    })
    files.push({ name, rows, windows: labels[name]!.map(([a, b]) => ({ startMs: nabTime(a), endMs: nabTime(b) })) })
  }
  return files
}

async function published(root: string): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>()
  for (const detector of PUBLISHED) {
    const text = await readFile(join(root, 'results', detector, `${detector}_standard_scores.csv`), 'utf8').catch(() => undefined)
    if (!text) continue
    const [header, ...lines] = text.trim().split(/\r?\n/)
    const cols = header!.split(',')
    const file = cols.indexOf('File')
    const score = cols.indexOf('Score')
    out.set(detector, new Map(lines.map((l) => l.split(',')).map((c) => [c[file]!, Number(c[score])])))
  }
  return out
}

export async function evaluateNab(files: readonly NabFile[]): Promise<{ threshold: number; perFile: { name: string; score: FileScore }[]; total: number | undefined }> {
  const scored = await Promise.all(files.map(async (f) => ({ f, scores: await scoreSeries(f.rows, 'generic') })))
  let best: { threshold: number; perFile: { name: string; score: FileScore }[]; total: number | undefined } | undefined
  for (const threshold of THRESHOLDS) {
    const perFile = scored.map(({ f, scores }) => ({ name: f.name, score: scoreFile(f.rows.map((r) => r.t), scores.map((s) => s >= threshold), f.windows) }))
    const total = normalised(perFile.map((p) => p.score))
    if (!best || (total ?? -Infinity) > (best.total ?? -Infinity)) best = { threshold, perFile, total }
  }
  return best!
}

const USAGE = `usage: npm run eval:score -- <NAB checkout> [--out file.md]

Scores every NAB series with the score CLI's generic detector and NAB's standard profile; prints a per-file table
(with NAB's published detectors where the checkout has results/) and writes it to --out when given.`

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCommand('eval:score', USAGE, { allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean' } } } as const, async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new Error(`give the NAB checkout's directory\n\n${USAGE}`)
    const root = positionals[0]!
    const files = await readNab(root)
    const result = await evaluateNab(files)
    const others = await published(root)
    const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2))
    const lines = [
      `NAB standard profile, threshold ${result.threshold} (best over the corpus); normalised score over all files: ${fmt(result.total)} (null detector 0, perfect 100)`,
      '',
      `| file | windows | found | false positives | raw score (Pulseline) | ${[...others.keys()].join(' | ')} |`,
      `|---|---|---|---|---|${[...others.keys()].map(() => '---|').join('')}`,
      ...result.perFile.map(({ name, score }) => `| ${name} | ${score.windows} | ${score.detectedWindows} | ${score.falsePositives} | ${fmt(score.raw)} | ${[...others.values()].map((m) => fmt(m.get(name))).join(' | ')} |`),
    ]
    if (values.out) await writeFile(values.out, lines.join('\n') + '\n')
    process.stdout.write(lines.join('\n') + '\n')
  })
}
