/**
 * Every message one Pulseline service sends another, declared once. Producers build them from these
 * types; consumers decode them with `decodeMessage` (decode-message.ts), which refuses anything that is not JSON, too large, or
 * not exactly this shape, with a reason the consumer counts. A gateway, analytics or a forged publisher can
 * therefore never hand a consumer a value its code does not expect (the dashboard crashed on a nearby list
 * whose `devices` was a number).
 *
 *   tile          analytics → dashboard   pulseline/{gym}/member/{member}/live
 *   anomaly       analytics → dashboard   pulseline/{gym}/member/{member}/anomaly
 *   nearby        gateway → dashboard     pulseline/{gym}/gateway/{gateway}/nearby
 *   claim         gateway → gateways      pulseline/{gym}/gateway/{gateway}/claims (retained)
 *   deviceList    ingest → gateways       pulseline/{gym}/devices (retained)
 *   erasures      ingest → gateways       pulseline/{gym}/erasures (retained)
 *   liveRequest   browser → dashboard     the /api/live WebSocket
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { MIN_TIMESTAMP_MS } from './samples.js'
import { ID_PATTERN } from './topics.js'

const Id = Type.String({ pattern: ID_PATTERN.source })
const Time = Type.Integer({ minimum: MIN_TIMESTAMP_MS, maximum: 8_640_000_000_000_000, description: 'ms since epoch' })
const Num = (minimum: number, maximum: number) => Type.Number({ minimum, maximum })
/** `AA:BB:CC:DD:EE:FF`, either case. */
export const BLE_ADDRESS_PATTERN = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/
const BleAddress = Type.String({ pattern: BLE_ADDRESS_PATTERN.source })

export const ANOMALY_TYPES = [
  'dropout',
  'flatline',
  'stale',
  'impossible_jump',
  'cadence_lock',
  'workload_mismatch',
  'elevated_resting_hr',
  'reduced_hrv',
  'unusual_pattern',
] as const
export type AnomalyType = (typeof ANOMALY_TYPES)[number]
export const SEVERITIES = ['info', 'warning', 'alert'] as const
export type Severity = (typeof SEVERITIES)[number]
const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)))

/** A member's live tile: what the class board shows, one per reading. */
export const LiveTile = Type.Object(
  {
    member: Id,
    gym: Id,
    session: Type.String({ minLength: 1, maxLength: 128 }),
    t: Time,
    device: Id,
    hr: Num(0, 300),
    pctMax: Num(0, 500),
    zone: Type.Integer({ minimum: 0, maximum: 5 }),
    zoneLabel: Type.String({ maxLength: 32 }),
    hrMax: Num(0, 300),
    kcal: Num(0, 1e6),
    points: Num(0, 1e6),
    trimp: Num(0, 1e6),
    secondsInZone: Type.Array(Num(0, 1e9), { maxItems: 6 }),
    rmssdMs: Type.Union([Num(0, 10_000), Type.Null()]),
    signal: literals(['ok', 'no_contact', 'dropout'] as const),
    batteryPct: Type.Union([Num(0, 100), Type.Null()]),
    anomalies: Type.Array(literals(ANOMALY_TYPES), { maxItems: ANOMALY_TYPES.length }),
    equipment: Type.Union([
      Type.Object(
        { machine: Id, powerW: Type.Optional(Num(0, 5000)), speedKmh: Type.Optional(Num(0, 200)), cadence: Type.Optional(Num(0, 1000)) },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
)
export type LiveTile = Static<typeof LiveTile>

/** An anomaly episode as analytics raises it, with the member and device it is about. */
export const AnomalyEvent = Type.Object(
  {
    type: literals(ANOMALY_TYPES),
    severity: literals(SEVERITIES),
    startMs: Time,
    detectedMs: Time,
    evidence: Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }), Type.Number(), { maxProperties: 32 }),
    member: Id,
    device: Id,
  },
  { additionalProperties: false },
)
export type AnomalyEvent = Static<typeof AnomalyEvent>

/** What one gateway hears now: addresses, names and signal strength, never readings. */
export const NearbyList = Type.Object(
  {
    at: Time,
    devices: Type.Array(
      Type.Object(
        {
          address: BleAddress,
          name: Type.Optional(Type.String({ maxLength: 64 })),
          rssi: Type.Optional(Type.Integer({ minimum: -127, maximum: 20 })),
          services: Type.Array(Type.Integer({ minimum: 0, maximum: 0xffff }), { maxItems: 32 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 256 },
    ),
  },
  { additionalProperties: false },
)
export type NearbyList = Static<typeof NearbyList>

/** The devices a gateway reads, restated every heartbeat so that two gateways never read one device. */
export const GatewayClaim = Type.Object(
  { gateway: Id, at: Time, devices: Type.Array(BleAddress, { maxItems: 256 }) },
  { additionalProperties: false },
)
export type GatewayClaim = Static<typeof GatewayClaim>

/**
 * A gateway's own health, published every few seconds on `{gateway prefix}/health`: gateways sit behind
 * gyms' NAT where no Prometheus reaches them, so ingest writes this to the `pipeline` measurement for
 * Grafana's alerts, under the gateway's Prometheus metric names (GATEWAY_HEALTH_METRICS).
 */
export const GatewayHealth = Type.Object(
  {
    at: Time,
    outboxSamples: Type.Integer({ minimum: 0, maximum: 1e12 }),
    outboxDroppedSamples: Type.Integer({ minimum: 0, maximum: 1e12 }),
    connectedDevices: Type.Integer({ minimum: 0, maximum: 100_000 }),
  },
  { additionalProperties: false },
)
export type GatewayHealth = Static<typeof GatewayHealth>

export const GATEWAY_HEALTH_METRICS = {
  outboxSamples: 'pulseline_gateway_outbox_samples',
  outboxDroppedSamples: 'pulseline_gateway_outbox_dropped_samples',
  connectedDevices: 'pulseline_gateway_connected_devices',
} as const satisfies Record<Exclude<keyof GatewayHealth, 'at'>, string>

/** A gym's registered BLE devices (address → Pulseline id), for its gateways. */
export const GymDeviceList = Type.Object(
  {
    at: Time,
    devices: Type.Array(Type.Object({ id: Id, address: BleAddress, kind: Type.String({ maxLength: 32 }) }, { additionalProperties: false }), { maxItems: 100_000 }),
  },
  { additionalProperties: false },
)
export type GymDeviceList = Static<typeof GymDeviceList>

/** Device intervals whose samples belong to erased members: a gateway deletes them from its outbox. */
export const ErasedIntervals = Type.Object(
  {
    at: Time,
    intervals: Type.Array(Type.Object({ device: Id, fromMs: Type.Integer({ minimum: 0 }), toMs: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), { maxItems: 100_000 }),
  },
  { additionalProperties: false },
)
export type ErasedIntervals = Static<typeof ErasedIntervals>

/** The longest pace a live socket may ask for (ms): a board applies tiles every 200 ms; a second is already stale. */
export const MAX_LIVE_PACE_MS = 1000

/**
 * What a browser may send on /api/live. `pace`: send this socket's updates together, one frame (a JSON array
 * of updates) at most every `ms`, instead of a frame each; 0 goes back to a frame each. A class board asks
 * for its repaint interval: 60 frames a second had cost its main thread more than the tiles they carried.
 */
export const LiveRequest = Type.Union([
  Type.Object({ op: Type.Literal('subscribe'), topic: Type.String({ maxLength: 200 }), since: Type.Optional(Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 })) }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('unsubscribe'), topic: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('pace'), ms: Type.Integer({ minimum: 0, maximum: MAX_LIVE_PACE_MS }) }, { additionalProperties: false }),
])
export type LiveRequest = Static<typeof LiveRequest>

/** The declarations, by name, with the largest encoded size each may have. */
export const MESSAGES = {
  tile: { schema: LiveTile, maxBytes: 4096 },
  anomaly: { schema: AnomalyEvent, maxBytes: 4096 },
  nearby: { schema: NearbyList, maxBytes: 64 * 1024 },
  claim: { schema: GatewayClaim, maxBytes: 16 * 1024 },
  gatewayHealth: { schema: GatewayHealth, maxBytes: 1024 },
  deviceList: { schema: GymDeviceList, maxBytes: 16 * 1024 * 1024 },
  erasures: { schema: ErasedIntervals, maxBytes: 16 * 1024 * 1024 },
  liveRequest: { schema: LiveRequest, maxBytes: 4096 },
} as const satisfies Record<string, { schema: TSchema; maxBytes: number }>

export type MessageKind = keyof typeof MESSAGES
export type MessageOf<K extends MessageKind> = Static<(typeof MESSAGES)[K]['schema']>
