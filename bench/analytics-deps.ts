/** What the analytics benchmark uses from the analytics package: the model on its worker thread, as in the service. */
import { ModelThread } from '../analytics/src/anomaly/model/model-thread.js'
export { LiveEngine } from '../analytics/src/live/live-engine.js'
export { resolvePhysiology } from '../analytics/src/live/physiology.js'

export const loadModelForBench = () => ModelThread.start()
