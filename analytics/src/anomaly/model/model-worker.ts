/**
 * The worker thread's side of ModelThread (model-thread.ts): loads the model, then answers score requests
 * in the order they come. TF.js' kernels and the garbage they make stay on this thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { loadModel } from './autoencoder.js'
import { loadTf } from './backend.js'
import type { ScoreReply, ScoreRequest } from './model-thread.js'

const port = parentPort!
const model = await loadModel((workerData as { dir: string }).dir)
port.on('message', ({ id, features }: ScoreRequest) => {
  model.score(features).then(
    (scores) => port.postMessage({ id, scores } satisfies ScoreReply, [scores.buffer as ArrayBuffer]),
    (err: Error) => port.postMessage({ id, error: err.message } satisfies ScoreReply),
  )
})
port.postMessage({ ready: (await loadTf()).backend })
