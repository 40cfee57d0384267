/** What the analytics benchmark uses from the analytics package, with the model on the wasm backend. */
import { loadTf } from '../analytics/src/anomaly/model/backend.js'
import { loadModel } from '../analytics/src/anomaly/model/autoencoder.js'
export { LiveEngine } from '../analytics/src/live/live-engine.js'
export { resolvePhysiology } from '../analytics/src/live/physiology.js'

export async function loadModelForBench() {
  await loadTf('wasm')
  return loadModel()
}
