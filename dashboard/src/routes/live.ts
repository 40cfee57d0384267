/**
 * The live WebSocket, GET /api/live. After the upgrade (which the access layer admits for any logged-in
 * user), every subscription is authorised on its own against the WS_TOPICS table:
 *
 *   → {"op":"subscribe","topic":"gym/gym-a/class","since":1700000000000}
 *   ← {"op":"subscribed","topic":"gym/gym-a/class"}  then the snapshot, then updates {"topic","type","data"}
 *   ← {"op":"error","topic":"gym/gym-b/class","error":"forbidden"}
 *   → {"op":"pace","ms":200}
 *   ← {"op":"paced","ms":200}  then updates in frames of a JSON array [{"topic","type","data"}, …], one at most every 200 ms
 *
 * `since` asks for the gap since the client last saw data (a reconnect after a refresh or a Wi-Fi blip),
 * sent as one {"type":"backfill"} message from history before live updates. Every `recheckMs` the session
 * and every subscription are authorised again: a logout, password change or expiry closes the socket
 * (4401), and a subscription the user may no longer have (a changed role or gym) ends with an error.
 *
 * Whatever a client sends is decoded against protocol's LiveRequest; nothing it sends can throw out of the
 * handler. Each socket has a message budget (per two-second window) and a subscription cap that counts
 * subscriptions still being authorised, and a socket that closes while one is being authorised never
 * reaches the hub.
 */
import type { FastifyInstance } from 'fastify'
import { MAX_LIVE_PACE_MS, decodeMessage } from '@pulseline/protocol'
import type { Registry, User } from '@pulseline/registry'
import { ACCESS_RULES } from '../plugins/access-rules.js'
import { SESSION_COOKIE, resolveScope } from '../plugins/access.js'
import { WS_TOPICS, parseWsTopic } from '../live/ws-topics.js'
import { ClientChannel } from '../live/client-channel.js'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import type { LiveHub } from '../live/live-hub.js'

export type Backfill = (topic: string, sinceMs: number) => Promise<unknown>

export interface LiveRouteOptions {
  registry: Registry
  hub: LiveHub
  backfill?: Backfill
  recheckMs?: number
  maxSubscriptions?: number
  /** Messages a socket may send per second, averaged over two-second windows. */
  messagesPerSecond?: number
  /** Sockets one login session may hold open at once. */
  maxSocketsPerSession?: number
}

const MAX_BACKFILL_MS = 15 * 60_000
const NOT_A_REQUEST = `not a request: {"op":"subscribe"|"unsubscribe","topic":string,"since"?:integer} or {"op":"pace","ms":integer 0-${MAX_LIVE_PACE_MS}}`
/** Close code for a client that keeps sending over its budget (RFC 6455 §7.4.1: policy violation). */
const POLICY_VIOLATION = 1008

export async function mayReceive(registry: Registry, user: User | undefined, topic: string): Promise<'ok' | 'forbidden' | 'unknown topic'> {
  const parsed = parseWsTopic(topic)
  if (!parsed) return 'unknown topic'
  const scope = await resolveScope(registry, parsed.params)
  return ACCESS_RULES[WS_TOPICS[parsed.pattern]]({ user, ...scope }) ? 'ok' : 'forbidden'
}

export interface LiveCounters {
  refused: Record<string, number>
  closedOverBudget: number
}

export async function liveRoutes(app: FastifyInstance, options: LiveRouteOptions): Promise<void> {
  const { registry, hub } = options
  const maxSubscriptions = options.maxSubscriptions ?? 20
  const rate = options.messagesPerSecond ?? 20
  const maxSockets = options.maxSocketsPerSession ?? 8
  const socketsOf = new Map<string, number>()
  const counters: LiveCounters = { refused: {}, closedOverBudget: 0 }
  app.decorate('liveCounters', counters)
  const refuse = (reason: string) => (counters.refused[reason] = (counters.refused[reason] ?? 0) + 1)
  const budget = new RateLimiterMemory({ points: rate * 2, duration: 2 })
  let nextSocket = 0

  app.get('/api/live', { websocket: true, config: { access: 'authenticated' }, schema: { tags: ['live'] } }, (socket, request) => {
    const token = request.cookies[SESSION_COOKIE]!
    if ((socketsOf.get(token) ?? 0) >= maxSockets) {
      refuse('too many sockets')
      return socket.close(POLICY_VIOLATION, 'too many sockets for this session')
    }
    socketsOf.set(token, (socketsOf.get(token) ?? 0) + 1)
    const channel = new ClientChannel(socket)
    const topics = new Set<string>()
    const pending = new Set<string>()
    const audited = new Set<string>()
    const socketKey = String(nextSocket++)
    let overBudget = 0
    let closed = false
    const reply = (body: object) => channel.reply(JSON.stringify(body))

    const recheck = setInterval(() => {
      void (async () => {
        const user = await registry.sessionUser(token)
        if (!user) return socket.close(4401, 'session ended')
        for (const topic of topics) {
          if ((await mayReceive(registry, user, topic)) === 'ok' || closed) continue
          topics.delete(topic)
          hub.unsubscribe(topic, channel)
          reply({ op: 'error', topic, error: 'forbidden' })
        }
      })().catch(() => socket.close(1011, 'recheck failed'))
    }, options.recheckMs ?? 30_000)

    socket.on('close', () => {
      closed = true
      clearInterval(recheck)
      const left = (socketsOf.get(token) ?? 1) - 1
      if (left > 0) socketsOf.set(token, left)
      else socketsOf.delete(token)
      hub.unsubscribeAll(channel)
      channel.close()
    })

    const subscribe = async (topic: string, since: number | undefined): Promise<void> => {
      if (topics.has(topic) || pending.has(topic)) return reply({ op: 'subscribed', topic })
      if (topics.size + pending.size >= maxSubscriptions) {
        refuse('too many subscriptions')
        return reply({ op: 'error', topic, error: 'too many subscriptions' })
      }
      pending.add(topic)
      try {
        // The user is looked up again: a role change or a logout since the upgrade counts.
        const user = await registry.sessionUser(token)
        const verdict = await mayReceive(registry, user, topic)
        if (verdict !== 'ok') {
          refuse(verdict)
          return reply({ op: 'error', topic, error: verdict })
        }
        // One audit row per topic and socket: a client cycling subscriptions writes no more.
        if (!audited.has(topic)) {
          audited.add(topic)
          await registry.audit(user!.id, 'live.subscribe', topic)
        }
        if (closed) return
        reply({ op: 'subscribed', topic })
        if (since !== undefined && options.backfill) {
          const from = Math.max(since, Date.now() - MAX_BACKFILL_MS)
          const data = await options.backfill(topic, from).catch(() => null)
          if (closed) return
          if (data) reply({ topic, type: 'backfill', since: from, data })
        }
        for (const m of hub.snapshot(topic)) channel.reply(m)
        topics.add(topic)
        hub.subscribe(topic, channel)
      } finally {
        pending.delete(topic)
      }
    }

    const handle = (raw: Buffer, isBinary: boolean): void => {
      const msg = isBinary ? ({ ok: false, reason: 'shape', detail: 'binary frame' } as const) : decodeMessage('liveRequest', raw)
      if (!msg.ok) {
        refuse(`bad request: ${msg.reason}`)
        return reply({ op: 'error', error: msg.reason === 'not_json' ? 'not JSON' : NOT_A_REQUEST })
      }
      if (msg.value.op === 'pace') {
        channel.pace(msg.value.ms)
        return reply({ op: 'paced', ms: msg.value.ms })
      }
      const { topic } = msg.value
      if (msg.value.op === 'unsubscribe') {
        topics.delete(topic)
        hub.unsubscribe(topic, channel)
        return reply({ op: 'unsubscribed', topic })
      }
      subscribe(topic, msg.value.since).catch(() => {
        refuse('internal')
        reply({ op: 'error', topic, error: 'unavailable, try again' })
      })
    }

    socket.on('message', (raw: Buffer, isBinary: boolean) => {
      budget.consume(socketKey).then(
        () => handle(raw, isBinary),
        () => {
          refuse('rate limited')
          // A client far over its budget is not reading our errors either: close it.
          if (++overBudget > rate * 10) {
            counters.closedOverBudget++
            return socket.close(POLICY_VIOLATION, 'too many messages')
          }
          reply({ op: 'error', error: 'rate limited' })
        },
      ).catch(() => refuse('internal'))
    })
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    liveCounters: LiveCounters
  }
}
