/**
 * The live WebSocket, GET /api/live. After the upgrade (which the access layer admits for any logged-in
 * user), every subscription is authorised on its own against the WS_TOPICS table:
 *
 *   → {"op":"subscribe","topic":"gym/gym-a/class","since":1700000000000}
 *   ← {"op":"subscribed","topic":"gym/gym-a/class"}  then the snapshot, then updates {"topic","type","data"}
 *   ← {"op":"error","topic":"gym/gym-b/class","error":"forbidden"}
 *
 * `since` asks for the gap since the client last saw data (a reconnect after a refresh or a Wi-Fi blip),
 * sent as one {"type":"backfill"} message from history before live updates. The session is re-checked
 * every `recheckMs`: a logout, password change or expiry closes the socket (code 4401).
 */
import type { FastifyInstance } from 'fastify'
import type { Registry, User } from '@pulseline/registry'
import { ACCESS_RULES } from '../plugins/access-rules.js'
import { SESSION_COOKIE, resolveScope } from '../plugins/access.js'
import { WS_TOPICS, parseWsTopic } from '../live/ws-topics.js'
import { ClientChannel } from '../live/client-channel.js'
import type { LiveHub } from '../live/live-hub.js'

export type Backfill = (topic: string, sinceMs: number) => Promise<unknown>

export interface LiveRouteOptions {
  registry: Registry
  hub: LiveHub
  backfill?: Backfill
  recheckMs?: number
  maxSubscriptions?: number
}

const MAX_BACKFILL_MS = 15 * 60_000

export async function mayReceive(registry: Registry, user: User | undefined, topic: string): Promise<'ok' | 'forbidden' | 'unknown topic'> {
  const parsed = parseWsTopic(topic)
  if (!parsed) return 'unknown topic'
  const scope = await resolveScope(registry, parsed.params)
  return ACCESS_RULES[WS_TOPICS[parsed.pattern]]({ user, ...scope }) ? 'ok' : 'forbidden'
}

export async function liveRoutes(app: FastifyInstance, options: LiveRouteOptions): Promise<void> {
  const { registry, hub } = options
  const maxSubscriptions = options.maxSubscriptions ?? 20
  app.get('/api/live', { websocket: true, config: { access: 'authenticated' }, schema: { tags: ['live'] } }, (socket, request) => {
    const channel = new ClientChannel(socket)
    const token = request.cookies[SESSION_COOKIE]!
    const topics = new Set<string>()
    const recheck = setInterval(async () => {
      if (!(await registry.sessionUser(token))) socket.close(4401, 'session ended')
    }, options.recheckMs ?? 30_000)
    socket.on('close', () => {
      clearInterval(recheck)
      hub.unsubscribeAll(channel)
      channel.close()
    })
    socket.on('message', async (raw: Buffer) => {
      let msg: { op?: unknown; topic?: unknown; since?: unknown }
      try {
        msg = JSON.parse(raw.toString())
      } catch {
        return channel.reply(JSON.stringify({ op: 'error', error: 'not JSON' }))
      }
      const topic = typeof msg.topic === 'string' ? msg.topic : ''
      if (msg.op === 'unsubscribe') {
        topics.delete(topic)
        hub.unsubscribe(topic, channel)
        return channel.reply(JSON.stringify({ op: 'unsubscribed', topic }))
      }
      if (msg.op !== 'subscribe') return channel.reply(JSON.stringify({ op: 'error', topic, error: 'unknown op' }))
      if (topics.size >= maxSubscriptions && !topics.has(topic)) return channel.reply(JSON.stringify({ op: 'error', topic, error: 'too many subscriptions' }))
      // The user is looked up again: a role change or a logout since the upgrade counts.
      const user = await registry.sessionUser(token)
      const verdict = await mayReceive(registry, user, topic)
      if (verdict !== 'ok') return channel.reply(JSON.stringify({ op: 'error', topic, error: verdict }))
      await registry.audit(user!.id, 'live.subscribe', topic)
      channel.reply(JSON.stringify({ op: 'subscribed', topic }))
      if (typeof msg.since === 'number' && options.backfill) {
        const since = Math.max(msg.since, Date.now() - MAX_BACKFILL_MS)
        const data = await options.backfill(topic, since).catch(() => null)
        if (data) channel.reply(JSON.stringify({ topic, type: 'backfill', since, data }))
      }
      for (const m of hub.snapshot(topic)) channel.reply(m)
      topics.add(topic)
      hub.subscribe(topic, channel)
    })
  })
}
