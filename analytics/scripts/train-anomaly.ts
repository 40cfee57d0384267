/**
 * Rebuilds the anomaly model's committed weights from simulated clean sessions (seeds 1–60), the same way
 * every time: seeded initialisers, no shuffling, the wasm backend.
 *
 *   npm run train:anomaly            writes analytics/src/anomaly/model/weights/
 *   npm run train:anomaly -- --out D writes elsewhere (the determinism test uses this)
 */
import { parseArgs } from 'node:util'
import { simulateSession } from './dataset/sessions.js'
import { WINDOW, windows } from '../src/anomaly/model/features.js'
import { buildAutoencoder, reconstructionErrors, saveModel, MODEL_DIR } from '../src/anomaly/model/autoencoder.js'
import { loadTf } from '../src/anomaly/model/backend.js'
import { robustSd } from '../src/anomaly/model/features.js'

const { values } = parseArgs({ options: { out: { type: 'string' }, sessions: { type: 'string', default: '60' }, epochs: { type: 'string', default: '12' } } })

export async function trainAnomalyModel(sessions: number, epochs: number, out: string): Promise<{ loss: number; referenceError: number; windows: number }> {
  const { tf, backend } = await loadTf('wasm')
  const blocks: Float32Array[] = []
  const diffs: number[] = []
  for (let seed = 1; seed <= sessions; seed++) {
    const hr = simulateSession(seed).points.map((p) => p.hr)
    for (let i = 1; i < hr.length; i++) diffs.push(hr[i]! - hr[i - 1]!)
    const ends: number[] = []
    for (let end = WINDOW - 1; end < hr.length; end += 2) ends.push(end)
    blocks.push(windows(hr, ends))
  }
  const all = new Float32Array(blocks.reduce((n, b) => n + b.length, 0))
  let offset = 0
  for (const b of blocks) {
    all.set(b, offset)
    offset += b.length
  }
  const n = all.length / WINDOW
  const model = await buildAutoencoder(42)
  const x = tf.tensor2d(all, [n, WINDOW])
  const history = await model.fit(x, x, { epochs, batchSize: 256, shuffle: false, verbose: 0 })
  x.dispose()
  const errors = Array.from(await reconstructionErrors(model, all)).sort((a, b) => a - b)
  const percentile = 99.5
  const referenceError = errors[Math.floor((percentile / 100) * (errors.length - 1))]!
  await saveModel(model, { referenceError, percentile, diffSd: robustSd(diffs), trainedWindows: n, backend }, out)
  const loss = history.history.loss!.at(-1) as number
  return { loss, referenceError, windows: n }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now()
  const result = await trainAnomalyModel(Number(values.sessions), Number(values.epochs), values.out ?? MODEL_DIR)
  console.log(`trained on ${result.windows} windows: final loss ${result.loss.toFixed(5)}, reference error ${result.referenceError.toFixed(5)}, ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
