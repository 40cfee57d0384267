/**
 * What the dashboard consumes from other services is decoded against protocol's declarations, must agree
 * with its topic, and is dropped and counted otherwise: never thrown (the poisoned nearby list of review M8
 * crashed the process), never filed under another gym or member than the topic the broker authorised.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { LiveHub } from '../src/live/live-hub.js'
import { routeMessage } from '../src/live/mqtt-feed.js'

const tile = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    member: 'ann', gym: 'gym-a', session: 'class-1', t: Date.now(), device: 'strap-1', hr: 150, pctMax: 80, zone: 3, zoneLabel: 'Z3', hrMax: 190,
    kcal: 100, points: 10, trimp: 20, secondsInZone: [0, 60, 60, 60, 0, 0], rmssdMs: null, signal: 'ok', batteryPct: 90, anomalies: [], equipment: null, ...over,
  })

describe('the dashboard MQTT feed', () => {
  it('files a valid tile under the gym and member of its topic', () => {
    const hub = new LiveHub()
    expect(routeMessage(hub, 'pulseline/gym-a/member/ann/live', tile())).toBeUndefined()
    expect(hub.snapshot('member/ann')).toHaveLength(1)
    expect(hub.snapshot('gym/gym-a/class')).toHaveLength(1)
  })

  it('drops what is malformed or disagrees with its topic, with the reason', () => {
    const hub = new LiveHub()
    expect(routeMessage(hub, 'pulseline/gym-a/gateway/gw-1/nearby', '{"at":9e15,"devices":7}')).toBe('nearby:shape')
    expect(routeMessage(hub, 'pulseline/gym-a/gateway/gw-1/nearby', 'null')).toBe('nearby:shape')
    expect(routeMessage(hub, 'pulseline/gym-a/member/ann/live', tile({ gym: 'gym-b' }))).toBe('tile:topic_mismatch')
    expect(routeMessage(hub, 'pulseline/gym-a/member/bob/live', tile())).toBe('tile:topic_mismatch')
    expect(routeMessage(hub, 'pulseline/gym-a/member/ann/live', tile({ hr: 'x' }))).toBe('tile:shape')
    expect(routeMessage(hub, 'pulseline/gym-a/member/ann/live', '{')).toBe('tile:not_json')
    expect(routeMessage(hub, 'pulseline/gym-a/member/ann/anomaly', JSON.stringify({ type: 'dropout', severity: 'alert', startMs: Date.now(), detectedMs: Date.now(), evidence: {}, member: 'bob', device: 'd' }))).toBe('anomaly:topic_mismatch')
    expect(routeMessage(hub, 'pulseline/gym-a/member/ann/anomaly', 'x'.repeat(10_000))).toBe('anomaly:too_large')
    expect(routeMessage(hub, 'pulseline/../member/ann/live', tile())).toBe('topic:unknown')
    expect(hub.snapshot('gym/gym-a/class')).toEqual([])
    expect(hub.nearbyOf('gym-a')).toEqual([])
  })

  it('never throws, whatever arrives on whichever topic (property)', () => {
    const hub = new LiveHub()
    const topic = fc.oneof(
      fc.constantFrom('pulseline/gym-a/member/ann/live', 'pulseline/gym-a/member/ann/anomaly', 'pulseline/gym-a/gateway/gw/nearby'),
      fc.array(fc.string({ maxLength: 8 }), { maxLength: 6 }).map((l) => l.join('/')),
    )
    const payload = fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? ''), fc.string(), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)))
    fc.assert(
      fc.property(topic, payload, (t, p) => {
        const dropped = routeMessage(hub, t, p)
        expect(dropped === undefined || typeof dropped === 'string').toBe(true)
        // What the hub serves after any of it can still be serialised and sent.
        for (const s of [...hub.snapshot('gym/gym-a/class'), ...hub.snapshot('gym/gym-a/nearby')]) JSON.parse(s)
      }),
      { numRuns: 5000 },
    )
  })
})
