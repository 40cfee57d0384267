/**
 * Several analytics instances split the gyms between them (cluster mode, issue #12). Each instance keeps a
 * key in Redis that expires unless renewed (`heartbeatMs`, `instanceTtlMs`); the instances alive are the keys
 * there. Each gym belongs to one of them by rendezvous hashing (Thaler and Ravishankar, 1996: the instance
 * with the highest hash of gym and instance), which every instance computes alike without talking to the
 * others, and which moves only the gyms of an instance that comes or goes.
 *
 * The bound on a takeover: a dead instance's key expires within `instanceTtlMs`, and the next look, every
 * `heartbeatMs`, gives its gyms to the living. Their members' state continues from InfluxDB (live-engine.ts
 * rebuilds a session begun before the instance took the gym).
 */
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'

export interface GymSplitOptions {
  redisUrl: string
  instance: string
  heartbeatMs: number
  instanceTtlMs: number
}

export interface GymSplitEvents {
  /** The gyms this instance gained and lost; called one change at a time. */
  changed(gained: string[], lost: string[]): Promise<void>
  failed(err: Error): void
}

const PREFIX = 'pulseline:analytics:instance:'

/** The instance a gym belongs to among `instances`: the highest SHA-256 of gym and instance. */
export function ownerOf(gym: string, instances: readonly string[]): string | undefined {
  let best: string | undefined
  let bestHash = ''
  for (const instance of instances) {
    const hash = createHash('sha256').update(gym).update('\u0000').update(instance).digest('hex')
    if (hash > bestHash) [best, bestHash] = [instance, hash]
  }
  return best
}

export class GymSplit {
  private readonly redis: Redis
  private readonly mine = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> = Promise.resolve()

  constructor(
    private readonly options: GymSplitOptions,
    private readonly gyms: () => Promise<string[]>,
    private readonly events: GymSplitEvents,
  ) {
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 })
    this.redis.on('error', () => undefined) // each failed look is reported through `failed`
  }

  get owned(): ReadonlySet<string> {
    return this.mine
  }

  /** Takes this instance's share now, then looks again every heartbeat. */
  async start(): Promise<void> {
    await this.look()
    this.timer = setInterval(() => {
      // One look at a time: a slow Redis must not stack them.
      this.running = this.running.then(() => this.look().catch((err: Error) => this.events.failed(err)))
    }, this.options.heartbeatMs)
  }

  private async look(): Promise<void> {
    await this.redis.set(PREFIX + this.options.instance, String(Date.now()), 'PX', this.options.instanceTtlMs)
    const instances: string[] = []
    let cursor = '0'
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000)
      cursor = next
      instances.push(...keys.map((k) => k.slice(PREFIX.length)))
    } while (cursor !== '0')
    const wanted = new Set((await this.gyms()).filter((gym) => ownerOf(gym, instances) === this.options.instance))
    const gained = [...wanted].filter((g) => !this.mine.has(g))
    const lost = [...this.mine].filter((g) => !wanted.has(g))
    if (gained.length === 0 && lost.length === 0) return
    await this.events.changed(gained, lost)
    for (const g of gained) this.mine.add(g)
    for (const g of lost) this.mine.delete(g)
  }

  /** Leaves at once: the key goes, so the others take the gyms at their next look, not after the TTL. */
  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.running
    await this.redis.del(PREFIX + this.options.instance).catch(() => undefined)
    this.redis.disconnect()
  }
}
