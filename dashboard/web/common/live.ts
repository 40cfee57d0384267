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

export class LiveSocket {
  private ws: WebSocket | undefined
  private readonly handlers = new Map<string, Handler>()
  private readonly lastSeen = new Map<string, number>()
  private attempt = 0
  onStatus: (connected: boolean) => void = () => {}
  onError: (topic: string, error: string) => void = () => {}

  constructor(private readonly url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`) {
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
      for (const topic of this.handlers.keys()) this.send(topic)
    }
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data as string) as LiveMessage & { op?: string; error?: string }
      if (message.op === 'error') return this.onError(message.topic, message.error ?? 'error')
      if (message.op) return
      const t = (message.data as { t?: number } | null)?.t
      if (typeof t === 'number' && t > (this.lastSeen.get(message.topic) ?? 0)) this.lastSeen.set(message.topic, t)
      this.handlers.get(message.topic)?.(message)
    }
    ws.onclose = (event) => {
      this.onStatus(false)
      if (event.code === 4401) return void (location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`)
      // Jittered, so that the boards of a gym do not all come back at the same instant after a restart.
      setTimeout(() => this.connect(), backoffDelay(this.attempt++, 500, 10_000))
    }
  }

  /** For tests and debugging: drop the connection as a network blip would. */
  drop(): void {
    this.ws?.close()
  }
}
