/**
 * The model's thread, started again when it dies (TF.js out of memory, a wasm trap, a bug in the worker):
 * before, a dead thread left analytics scoring nothing until someone restarted the service. A new thread is
 * started on the first run asked for after the old one is gone, the next attempts after a growing backoff,
 * and at most `maxRestarts` times in `windowMs`: a thread that keeps dying is left down, counted and alerted
 * on (PulselineAnalyticsModelFailing). Runs asked for while it is down or loading fail at once, so a tick never
 * waits for a model to load; the rules go on without it.
 */
import { backoffDelay } from '@pulseline/protocol'
import type { AnomalyScorer } from './autoencoder.js'

/** What is supervised: a ModelThread in the service. */
export interface ScorerThread extends AnomalyScorer {
  /** True once the thread is gone: it exited, failed or was closed. */
  readonly dead: boolean
  /** The TF.js backend it runs on. */
  readonly backend: string
  close(): Promise<void>
}

export interface SupervisionOptions {
  maxRestarts: number
  windowMs: number
  backoffInitialMs: number
  backoffMaxMs: number
}

export const SUPERVISION_DEFAULTS: SupervisionOptions = { maxRestarts: 5, windowMs: 10 * 60_000, backoffInitialMs: 1000, backoffMaxMs: 60_000 }

export interface SupervisionEvents {
  restarted?(restarts: number): void
  restartFailed?(err: Error): void
}

export class SupervisedModel implements AnomalyScorer {
  /** Threads started after the first, successfully. */
  restarts = 0
  private starting: Promise<void> | undefined
  /** When each recent attempt began, for the limit per window. */
  private attempts: number[] = []
  private notBefore = 0
  private closed = false

  constructor(
    private thread: ScorerThread,
    private readonly start: () => Promise<ScorerThread>,
    private readonly options: SupervisionOptions = SUPERVISION_DEFAULTS,
    private readonly events: SupervisionEvents = {},
    private readonly now: () => number = Date.now,
  ) {}

  get backend(): string {
    return this.thread.backend
  }

  score(features: Float32Array): Promise<Float32Array> {
    if (!this.thread.dead) return this.thread.score(features)
    this.restart()
    return Promise.reject(new Error(this.starting ? 'anomaly model thread is restarting' : 'anomaly model thread is down'))
  }

  async close(): Promise<void> {
    this.closed = true
    await this.starting
    await this.thread.close()
  }

  private restart(): void {
    if (this.closed || this.starting) return
    const now = this.now()
    this.attempts = this.attempts.filter((t) => now - t < this.options.windowMs)
    if (this.attempts.length >= this.options.maxRestarts || now < this.notBefore) return
    this.attempts.push(now)
    // The next attempt, should this thread die too or fail to load, waits longer.
    this.notBefore = now + backoffDelay(this.attempts.length - 1, this.options.backoffInitialMs, this.options.backoffMaxMs)
    this.starting = this.start()
      .then(
        async (thread) => {
          if (this.closed) return thread.close()
          this.thread = thread
          this.restarts++
          this.events.restarted?.(this.restarts)
        },
        (err: Error) => this.events.restartFailed?.(err),
      )
      .finally(() => (this.starting = undefined))
  }
}
