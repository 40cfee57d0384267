/**
 * The live socket from the browser: subscriptions by topic, automatic reconnection with backoff, and on
 * reconnect a back-fill of what was missed (`since` = the newest time this page saw on the topic), so a
 * refresh or a Wi-Fi blip leaves no hole in a sparkline.
 */
import { backoffDelay } from '@pulseline/protocol/backoff'

export interface LiveMessage {
  topic: string
  type: 'tile' | 'anomaly' | 'nearby' | 'backfill'
  data: unknown
  since?: number
}

type Handler = (message: LiveMessage) => void
type LiveFrame = LiveMessage & { op?: string; error?: string }

export class LiveSocket {
  private ws: WebSocket | undefined
  private readonly handlers = new Map<string, Handler>()
  private readonly lastSeen = new Map<string, number>()
  private attempt = 0
  onStatus: (connected: boolean) => void = () => {}
  onError: (topic: string, error: string) => void = () => {}

  /** `paceMs`: ask the server for updates together, one frame at most this often (a board repaints at that pace anyway). */
  constructor(
    private readonly paceMs = 0,
    private readonly url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`,
  ) {
    this.connect()
  }

  /** `since`: also back-fill from then on the first subscription (the board's sparklines start two minutes full). */
  subscribe(topic: string, handler: Handler, since?: number): void {
    this.handlers.set(topic, handler)
    if (since !== undefined && !this.lastSeen.has(topic)) this.lastSeen.set(topic, since)
    this.send(topic)
  }

  private send(topic: string): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return
    const since = this.lastSeen.get(topic)
    this.ws.send(JSON.stringify(since ? { op: 'subscribe', topic, since } : { op: 'subscribe', topic }))
  }

  private connect(): void {
    const ws = new WebSocket(this.url)
    this.ws = ws
    ws.onopen = () => {
      this.attempt = 0
      this.onStatus(true)
      if (this.paceMs > 0) ws.send(JSON.stringify({ op: 'pace', ms: this.paceMs }))
      for (const topic of this.handlers.keys()) this.send(topic)
    }
    ws.onmessage = (event) => {
      // A paced socket's updates come as one array a frame; replies and snapshots one message a frame.
      const parsed = JSON.parse(event.data as string) as LiveFrame | LiveFrame[]
      for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.receive(message)
    }
    ws.onclose = (event) => {
      this.onStatus(false)
      if (event.code === 4401) return void (location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`)
      // Jittered, so that the boards of a gym do not all come back at the same instant after a restart.
      setTimeout(() => this.connect(), backoffDelay(this.attempt++, 500, 10_000))
    }
  }

  private receive(message: LiveFrame): void {
    if (message.op === 'error') return this.onError(message.topic, message.error ?? 'error')
    if (message.op) return
    const t = (message.data as { t?: number } | null)?.t
    if (typeof t === 'number' && t > (this.lastSeen.get(message.topic) ?? 0)) this.lastSeen.set(message.topic, t)
    this.handlers.get(message.topic)?.(message)
  }

  /** For tests and debugging: drop the connection as a network blip would. */
  drop(): void {
    this.ws?.close()
  }
}
