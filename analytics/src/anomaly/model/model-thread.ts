/**
 * The anomaly model on its own worker thread. Scoring every stream once a second is a burst of TF.js
 * kernels and of the garbage they leave (about 50 ms for 2,000 windows on this machine's wasm backend,
 * with young-generation collections on top); on the main thread, every reading that arrived meanwhile, and
 * so every tile, waited for it. Here it waits for nothing: the burst runs beside the event loop. Measured
 * in `npm run bench -- --only sockets` (README, Performance).
 */
import type { Worker } from 'node:worker_threads'
import { startTsWorker } from '@pulseline/config'
import { MODEL_DIR, type AnomalyScorer } from './autoencoder.js'

export interface ScoreRequest {
  id: number
  features: Float32Array
}

export type ScoreReply = { id: number; scores: Float32Array; error?: undefined } | { id: number; error: string; scores?: undefined }

interface Pending {
  resolve(scores: Float32Array): void
  reject(err: Error): void
}

export class ModelThread implements AnomalyScorer {
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private closed = false

  private constructor(
    private readonly worker: Worker,
    /** The TF.js backend the worker runs on. */
    readonly backend: string,
  ) {
    worker.on('message', (reply: ScoreReply) => {
      const waiting = this.pending.get(reply.id)
      if (!waiting) return
      this.pending.delete(reply.id)
      if (reply.error !== undefined) waiting.reject(new Error(`anomaly model: ${reply.error}`))
      else waiting.resolve(reply.scores)
    })
    worker.on('error', (err) => this.failAll(`anomaly model thread failed: ${err.message}`))
    worker.on('exit', (code) => this.failAll(`anomaly model thread exited (${code})`))
  }

  /** Starts the worker and resolves once its model is loaded. */
  static async start(dir = MODEL_DIR): Promise<ModelThread> {
    const worker = startTsWorker(new URL('./model-worker.ts', import.meta.url), { workerData: { dir } })
    let onReady!: (m: { ready: string }) => void
    let onError!: (err: Error) => void
    let onExit!: (code: number) => void
    const backend = await new Promise<string>((resolve, reject) => {
      onReady = (m) => resolve(m.ready)
      onError = reject
      onExit = (code) => reject(new Error(`anomaly model thread exited (${code}) before its model was loaded`))
      worker.once('message', onReady).once('error', onError).once('exit', onExit)
    }).finally(() => worker.off('message', onReady).off('error', onError).off('exit', onExit))
    return new ModelThread(worker, backend)
  }

  /** Scores in [0, 1) for each row of a [n, WINDOW] block; `features` is handed to the worker (detached here). */
  score(features: Float32Array): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new Error('anomaly model thread is closed'))
    const id = this.nextId++
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ id, features } satisfies ScoreRequest, [features.buffer as ArrayBuffer])
    })
  }

  get waiting(): number {
    return this.pending.size
  }

  /** True once the worker is gone (it exited or failed) or was closed: supervised-model.ts starts another. */
  get dead(): boolean {
    return this.closed
  }

  async close(): Promise<void> {
    this.closed = true
    await this.worker.terminate()
  }

  private failAll(reason: string): void {
    this.closed = true
    for (const waiting of this.pending.values()) waiting.reject(new Error(reason))
    this.pending.clear()
  }
}
