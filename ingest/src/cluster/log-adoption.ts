/**
 * A dead node's log is shipped by a living one. Every node writes a heartbeat into a JetStream key-value
 * bucket whose entries expire after `nodeTtlMs`; every node looks at the logs of the others, and one whose
 * node has no heartbeat and still holds records is claimed (an atomic create of `adopt.<node>`, which also
 * expires, so a claim by a node that dies in turn is taken over) and shipped to its end by the claimant,
 * through the same shipper as its own log. Shipping twice is harmless (a point is its series and time), so a
 * node that comes back while its log is adopted simply ships alongside.
 *
 * The bound on a takeover: the dead node's heartbeat expires within `nodeTtlMs`, and the next look, every
 * `heartbeatMs`, claims its log.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream'
import { Kvm, type KV } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import type { LogShipper } from '../shipper/log-shipper.js'
import { JetStreamLog, streamOf, type JetStreamLogOptions } from './jetstream-log.js'

export interface AdoptionOptions {
  node: string
  heartbeatMs: number
  nodeTtlMs: number
  replicas: number
  log: Omit<JetStreamLogOptions, 'node' | 'readOnly'>
}

export interface AdoptionEvents {
  adopted(node: string): void
  shipped(node: string, ms: number): void
}

const BUCKET = 'pulseline_nodes'
const STREAM_PREFIX = streamOf('')

export class LogAdoption {
  private timer: NodeJS.Timeout | undefined
  private readonly adopting = new Map<string, Promise<void>>()
  private closed = false

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly kv: KV,
    private readonly options: AdoptionOptions,
    private readonly ship: (log: JetStreamLog) => LogShipper,
    private readonly events: AdoptionEvents,
    private readonly logger: Logger,
  ) {}

  static async start(nc: NatsConnection, options: AdoptionOptions, ship: (log: JetStreamLog) => LogShipper, events: AdoptionEvents, logger: Logger): Promise<LogAdoption> {
    const kv = await new Kvm(nc).create(BUCKET, { ttl: options.nodeTtlMs, replicas: options.replicas, history: 1 })
    const adoption = new LogAdoption(nc, await jetstreamManager(nc, { checkAPI: false }), kv, options, ship, events, logger)
    await adoption.beat()
    adoption.timer = setInterval(() => void adoption.tick(), options.heartbeatMs)
    return adoption
  }

  private async beat(): Promise<void> {
    await this.kv.put(`node.${this.options.node}`, String(Date.now()))
  }

  private async tick(): Promise<void> {
    try {
      await this.beat()
      for await (const name of this.jsm.streams.names()) {
        if (!name.startsWith(STREAM_PREFIX)) continue
        const node = name.slice(STREAM_PREFIX.length)
        if (node === this.options.node || this.adopting.has(node)) continue
        if ((await this.kv.get(`node.${node}`))?.operation === 'PUT') continue
        const { state } = await this.jsm.streams.info(name)
        if (state.messages === 0) continue
        try {
          await this.kv.create(`adopt.${node}`, this.options.node)
        } catch {
          continue // another node claimed it
        }
        this.adopting.set(node, this.adopt(node).finally(() => this.adopting.delete(node)))
      }
    } catch (err) {
      if (!this.closed) this.logger.warn({ error: (err as Error).message }, 'cluster heartbeat or log adoption failed; trying again')
    }
  }

  private async adopt(node: string): Promise<void> {
    const started = Date.now()
    this.events.adopted(node)
    const log = await JetStreamLog.open(this.nc, { ...this.options.log, node, readOnly: true })
    const shipper = this.ship(log)
    // Keep the claim alive while shipping: it expires like a heartbeat.
    const claim = setInterval(() => void this.kv.put(`adopt.${node}`, this.options.node).catch(() => undefined), this.options.heartbeatMs)
    try {
      while (!this.closed && log.committedOffset < log.end) await new Promise((r) => setTimeout(r, 100))
      if (!this.closed) this.events.shipped(node, Date.now() - started)
    } finally {
      clearInterval(claim)
      await shipper.stop()
      await log.close()
      await this.kv.delete(`adopt.${node}`).catch(() => undefined)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await Promise.allSettled(this.adopting.values())
    // Leaving on purpose: the heartbeat goes at once, so that nothing waits for it to expire.
    await this.kv.delete(`node.${this.options.node}`).catch(() => undefined)
  }
}
