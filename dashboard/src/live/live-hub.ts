/**
 * The dashboard's live state and fan-out: the latest tile of every member (for a board's first paint),
 * recent alerts, what the gateways see nearby, and who is subscribed to what. Each update is serialised
 * once per topic and handed to every subscriber's channel, which applies its own backpressure.
 */
import type { NearbyList as NearbyMessage } from '@pulseline/protocol'
import type { ClientChannel } from './client-channel.js'

export interface TileLike {
  member: string
  gym: string
  t: number
  equipment?: unknown
}

/** One gateway's nearby list (validated by the feed), with the gateway the topic names. */
export type NearbyList = NearbyMessage & { gateway: string }

const TILE_KEEP_MS = 10 * 60_000
const RECENT_ALERTS = 50
const NEARBY_FRESH_MS = 60_000

export class LiveHub {
  private readonly tiles = new Map<string, Map<string, { tile: TileLike; json: string }>>()
  private readonly alerts = new Map<string, string[]>()
  private readonly nearby = new Map<string, Map<string, NearbyList>>()
  private readonly subscribers = new Map<string, Set<ClientChannel>>()
  counters = { tiles: 0, alerts: 0, fanout: 0 }

  subscribe(topic: string, channel: ClientChannel): void {
    let set = this.subscribers.get(topic)
    if (!set) this.subscribers.set(topic, (set = new Set()))
    set.add(channel)
  }

  unsubscribe(topic: string, channel: ClientChannel): void {
    const set = this.subscribers.get(topic)
    set?.delete(channel)
    if (set?.size === 0) this.subscribers.delete(topic)
  }

  unsubscribeAll(channel: ClientChannel): void {
    for (const topic of [...this.subscribers.keys()]) this.unsubscribe(topic, channel)
  }

  get subscriptions(): number {
    let n = 0
    for (const s of this.subscribers.values()) n += s.size
    return n
  }

  tile(tile: TileLike): void {
    this.counters.tiles++
    let gym = this.tiles.get(tile.gym)
    if (!gym) this.tiles.set(tile.gym, (gym = new Map()))
    const topics = [`gym/${tile.gym}/class`, `member/${tile.member}`]
    if (tile.equipment) topics.push(`gym/${tile.gym}/equipment`)
    const json = JSON.stringify({ type: 'tile', data: tile })
    gym.set(tile.member, { tile, json })
    for (const topic of topics) this.fanOut(topic, (c) => c.state(`${topic}|${tile.member}`, `{"topic":${JSON.stringify(topic)},${json.slice(1)}`))
  }

  alert(gym: string, member: string | undefined, alert: object): void {
    this.counters.alerts++
    const json = JSON.stringify({ type: 'anomaly', data: alert })
    const recent = this.alerts.get(gym) ?? []
    recent.push(json)
    if (recent.length > RECENT_ALERTS) recent.shift()
    this.alerts.set(gym, recent)
    const topics = [`gym/${gym}/anomalies`]
    if (member) topics.push(`member/${member}`)
    for (const topic of topics) this.fanOut(topic, (c) => c.event(`{"topic":${JSON.stringify(topic)},${json.slice(1)}`))
  }

  nearbyList(gym: string, list: NearbyList): void {
    let g = this.nearby.get(gym)
    if (!g) this.nearby.set(gym, (g = new Map()))
    // Freshness is judged by arrival, not by the gateway's clock: a list dated in the future stays no longer.
    g.set(list.gateway, { ...list, at: Math.min(list.at, Date.now()) })
    const topic = `gym/${gym}/nearby`
    this.fanOut(topic, (c) => c.state(topic, JSON.stringify({ topic, type: 'nearby', data: this.nearbyOf(gym) })))
  }

  /** Forgets everything held about a member (after their erasure): their tile and their alerts. */
  forgetMember(member: string): void {
    for (const gym of this.tiles.values()) gym.delete(member)
    const about = (json: string) => json.includes(`"member":${JSON.stringify(member)}`)
    for (const [gym, recent] of this.alerts) this.alerts.set(gym, recent.filter((json) => !about(json)))
  }

  /** Devices the gym's gateways saw in the last minute, strongest signal first, one entry per address. */
  nearbyOf(gym: string, nowMs = Date.now()): Array<NearbyList['devices'][number] & { gateway: string }> {
    const best = new Map<string, NearbyList['devices'][number] & { gateway: string }>()
    for (const list of this.nearby.get(gym)?.values() ?? []) {
      if (nowMs - list.at > NEARBY_FRESH_MS) continue
      for (const d of list.devices) {
        const address = d.address.toUpperCase()
        const known = best.get(address)
        if (!known || (d.rssi ?? -200) > (known.rssi ?? -200)) best.set(address, { ...d, address, gateway: list.gateway })
      }
    }
    return [...best.values()].sort((a, b) => (b.rssi ?? -200) - (a.rssi ?? -200))
  }

  /** What a new subscriber to `topic` sees first: the current tiles, recent alerts or nearby list. */
  snapshot(topic: string, nowMs = Date.now()): string[] {
    const [kind, id, what] = topic.split('/')
    const fresh = (e: { tile: TileLike }) => nowMs - e.tile.t <= TILE_KEEP_MS
    if (kind === 'member') {
      for (const gym of this.tiles.values()) {
        const e = gym.get(id!)
        if (e && fresh(e)) return [`{"topic":${JSON.stringify(topic)},${e.json.slice(1)}`]
      }
      return []
    }
    if (what === 'class' || what === 'equipment')
      return [...(this.tiles.get(id!)?.values() ?? [])].filter((e) => fresh(e) && (what === 'class' || e.tile.equipment)).map((e) => `{"topic":${JSON.stringify(topic)},${e.json.slice(1)}`)
    if (what === 'anomalies') return (this.alerts.get(id!) ?? []).map((json) => `{"topic":${JSON.stringify(topic)},${json.slice(1)}`)
    if (what === 'nearby') return [JSON.stringify({ topic, type: 'nearby', data: this.nearbyOf(id!, nowMs) })]
    return []
  }

  private fanOut(topic: string, send: (c: ClientChannel) => void): void {
    const set = this.subscribers.get(topic)
    if (!set) return
    for (const channel of set) {
      send(channel)
      this.counters.fanout++
    }
  }
}
