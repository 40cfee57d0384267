/**
 * One browser's live channel, with backpressure. Tiles are state: when the socket is behind (more than
 * `highWaterBytes` unsent), a member's newer tile replaces the one still waiting, so a slow client gets the
 * latest of everything a little later and the server holds at most one tile per member for it. Alerts are
 * events: they wait in a bounded queue, and the oldest are dropped (and counted) past `maxQueuedEvents`.
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

  private flush(): void {
    if (this.socket.readyState !== OPEN) return this.close()
    while (this.socket.bufferedAmount < this.highWaterBytes && (this.events.length > 0 || this.latest.size > 0)) {
      if (this.events.length > 0) this.socket.send(this.events.shift()!)
      else {
        const [key, message] = this.latest.entries().next().value as [string, string]
        this.latest.delete(key)
        this.socket.send(message)
      }
      this.counters.sent++
    }
    if ((this.events.length > 0 || this.latest.size > 0) && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.flush()
      }, this.retryMs)
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.latest.clear()
    this.events.length = 0
  }
}
