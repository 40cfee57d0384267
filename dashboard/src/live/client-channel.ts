/**
 * One browser's live channel, with backpressure. Tiles are state: when the socket is behind (more than
 * `highWaterBytes` unsent), a member's newer tile replaces the one still waiting, so a slow client gets the
 * latest of everything a little later and the server holds at most one tile per member for it. Alerts are
 * events: they wait in a bounded queue, and the oldest are dropped (and counted) past `maxQueuedEvents`.
 *
 * A paced channel (`pace`, asked for by the client) sends what it holds together, one frame holding a JSON
 * array of updates at most every `paceMs`, instead of a frame per update: a class board's 60 frames a second
 * each cost its main thread more than the tile they carried. What it holds is bounded as above either way.
 */
export interface Socket {
  readonly bufferedAmount: number
  readonly readyState: number
  send(data: string): void
}

export interface ChannelCounters {
  sent: number
  coalesced: number
  droppedEvents: number
}

const OPEN = 1

export class ClientChannel {
  readonly counters: ChannelCounters = { sent: 0, coalesced: 0, droppedEvents: 0 }
  private readonly latest = new Map<string, string>()
  private readonly events: string[] = []
  private timer: NodeJS.Timeout | undefined
  /** 0: a frame per update. Otherwise: one frame of all held updates at most every paceMs. */
  private paceMs = 0
  private lastFrameAt = -Infinity

  constructor(
    private readonly socket: Socket,
    private readonly highWaterBytes = 256 * 1024,
    private readonly maxQueuedEvents = 200,
    private readonly retryMs = 50,
  ) {}

  /** Bytes and entries held for this client right now (for tests and metrics). */
  get held(): { entries: number; bytes: number } {
    let bytes = 0
    for (const v of this.latest.values()) bytes += v.length
    for (const v of this.events) bytes += v.length
    return { entries: this.latest.size + this.events.length, bytes }
  }

  /** State under `key` (a member's tile): only the newest unsent one is kept. */
  state(key: string, message: string): void {
    if (this.latest.has(key)) this.counters.coalesced++
    this.latest.set(key, message)
    this.flush()
  }

  /** An event (an alert): queued, bounded. */
  event(message: string): void {
    this.events.push(message)
    if (this.events.length > this.maxQueuedEvents) {
      this.events.shift()
      this.counters.droppedEvents++
    }
    this.flush()
  }

  /** A reply to the client's own request: sent now, whatever the backlog (the client asked for it). */
  reply(message: string): void {
    if (this.socket.readyState === OPEN) this.socket.send(message)
  }

  /** Updates from now on go together, one frame at most every `ms` (0: a frame each). */
  pace(ms: number): void {
    this.paceMs = ms
    this.flush()
  }

  private get holding(): boolean {
    return this.events.length > 0 || this.latest.size > 0
  }

  private flush(): void {
    if (this.socket.readyState !== OPEN) return this.close()
    if (this.paceMs > 0) return this.flushPaced()
    while (this.socket.bufferedAmount < this.highWaterBytes && this.holding) {
      if (this.events.length > 0) this.socket.send(this.events.shift()!)
      else {
        const [key, message] = this.latest.entries().next().value as [string, string]
        this.latest.delete(key)
        this.socket.send(message)
      }
      this.counters.sent++
    }
    if (this.holding) this.later(this.retryMs)
  }

  /** Everything held, events first, as one frame: when the pace allows it and the socket is not behind. */
  private flushPaced(): void {
    if (!this.holding) return
    const now = performance.now()
    const wait = this.lastFrameAt + this.paceMs - now
    if (wait > 0) return this.later(wait)
    if (this.socket.bufferedAmount >= this.highWaterBytes) return this.later(this.retryMs)
    const updates = [...this.events.splice(0), ...this.latest.values()]
    this.latest.clear()
    this.socket.send(`[${updates.join(',')}]`)
    this.counters.sent += updates.length
    this.lastFrameAt = now
  }

  private later(ms: number): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flush()
    }, ms)
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.latest.clear()
    this.events.length = 0
  }
}
