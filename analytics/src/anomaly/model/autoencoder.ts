/**
 * A small dense autoencoder over signal windows (30 → 16 → 6 → 16 → 30, ~1.2k weights). Trained on clean
 * simulated sessions only, it reconstructs the shapes a heart makes and fails on the ones it does not; the
 * reconstruction error is the anomaly score. Weights are committed in `weights/` and rebuilt by
 * `npm run train:anomaly` (analytics/scripts/train-anomaly.ts), deterministically: seeded initialisers, no
 * shuffling, one backend.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { LayersModel } from '@tensorflow/tfjs-layers'
import { loadTf } from './backend.js'
import { WINDOW, calibratedScore } from './features.js'

export const MODEL_DIR = new URL('./weights/', import.meta.url).pathname

export interface Calibration {
  /** Reconstruction error (MSE) at this percentile of clean training windows. */
  referenceError: number
  percentile: number
  /** Robust SD (1.4826 × MAD) of the training series' first differences, in bpm: the CLI's yardstick for other units. */
  diffSd: number
  trainedWindows: number
  backend: string
}

export async function buildAutoencoder(seed: number): Promise<LayersModel> {
  const { tfl } = await loadTf()
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed + k })
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [WINDOW], units: 16, activation: 'tanh', kernelInitializer: init(1) }),
      tfl.layers.dense({ units: 6, activation: 'tanh', kernelInitializer: init(2) }),
      tfl.layers.dense({ units: 16, activation: 'tanh', kernelInitializer: init(3) }),
      tfl.layers.dense({ units: WINDOW, kernelInitializer: init(4) }),
    ],
  })
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' })
  return model
}

/** Mean squared reconstruction error of each row of a [n, WINDOW] block. */
export async function reconstructionErrors(model: LayersModel, features: Float32Array): Promise<Float32Array> {
  const { tf } = await loadTf()
  const n = features.length / WINDOW
  if (n === 0) return new Float32Array(0)
  const errors = tf.tidy(() => {
    const x = tf.tensor2d(features, [n, WINDOW])
    const y = model.predict(x) as ReturnType<typeof tf.tensor2d>
    return tf.mean(tf.square(tf.sub(x, y)), 1)
  })
  const out = (await errors.data()) as Float32Array
  errors.dispose()
  return out
}

export async function saveModel(model: LayersModel, calibration: Calibration, dir = MODEL_DIR): Promise<void> {
  const { tf } = await loadTf()
  await mkdir(dir, { recursive: true })
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = Buffer.from(artifacts.weightData as ArrayBuffer)
      await writeFile(join(dir, 'weights.bin'), weights)
      const manifest = { modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }
      await writeFile(join(dir, 'model.json'), JSON.stringify(manifest, null, 1) + '\n')
      await writeFile(join(dir, 'calibration.json'), JSON.stringify(calibration, null, 2) + '\n')
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } }
    }),
  )
}

export interface AnomalyModel {
  model: LayersModel
  calibration: Calibration
  /** Scores in [0, 1) for each row of a [n, WINDOW] feature block. */
  score(features: Float32Array): Promise<Float32Array>
}

/** What the live engine needs of a model: ModelThread (a worker) or a loaded AnomalyModel. */
export type AnomalyScorer = Pick<AnomalyModel, 'score'>

export async function loadModel(dir = MODEL_DIR): Promise<AnomalyModel> {
  const { tf, tfl } = await loadTf()
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'))
  const weightData = await readFile(join(dir, 'weights.bin'))
  const calibration = JSON.parse(await readFile(join(dir, 'calibration.json'), 'utf8')) as Calibration
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology,
      weightSpecs: manifest.weightsManifest[0].weights,
      weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
    }),
  )
  return {
    model,
    calibration,
    async score(features) {
      const errors = await reconstructionErrors(model, features)
      return errors.map((e) => calibratedScore(e, calibration.referenceError))
    },
  }
}
