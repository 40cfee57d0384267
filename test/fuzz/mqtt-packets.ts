/**
 * Hostile MQTT traffic, generated with fast-check from a seed (so a failure can be replayed): packets of
 * every type with random and adversarial fields (topics with wildcards, `$` and NUL, huge or negative
 * ids, every QoS, retain, wills, MQTT 5 properties), valid packets mangled (truncated, bytes flipped,
 * Remaining Length forged up to the 268 MB protocol maximum), and plain random bytes. mqtt-packet
 * encodes what it can; what it refuses to encode is sent as raw bytes instead.
 */
import fc from 'fast-check'
import mqttPacket from 'mqtt-packet'

const topicLevel = fc.oneof(
  fc.constantFrom('pulseline', 'device', 'member', 'gateway', 'samples', 'live', 'claims', 'nearby', 'devices', '+', '#', '$SYS', '$pulseline', '', 'gym-a', 'strap-a', 'analytics', '..'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
)
const randomTopic = fc.array(topicLevel, { minLength: 1, maxLength: 8 }).map((levels) => levels.join('/'))

const jsonish = fc.oneof(
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ v: fc.oneof(fc.constant(1), fc.integer()), samples: fc.array(fc.record({ kind: fc.constantFrom('hr', 'steps', 'sleep', 'equipment', 'status', 'x'), t: fc.oneof(fc.integer(), fc.double(), fc.constant(Date.now())), bpm: fc.oneof(fc.integer({ min: -10, max: 400 }), fc.double()) }, { requiredKeys: [] }), { maxLength: 50 }) }, { requiredKeys: [] }),
)
const payload = fc.oneof(
  jsonish.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
)
const messageId = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: -5, max: 70000 }))
const qos = fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: -1, max: 4 }))

/**
 * One MQTT packet object, as mqtt-packet takes it. `knownTopics` (a fuzzing identity's own samples topic,
 * say) are mixed in, so that hostile payloads get past the ACL to validation and the log.
 */
export function packetObject(knownTopics: readonly string[] = []): fc.Arbitrary<unknown> {
  const topic = knownTopics.length > 0 ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...knownTopics) }, { weight: 3, arbitrary: randomTopic }) : randomTopic
  const connect = fc.record({
    cmd: fc.constant('connect'),
    protocolId: fc.constantFrom('MQTT', 'MQIsdp', 'XXXX'),
    protocolVersion: fc.constantFrom(3, 4, 5, 6, 0),
    clientId: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('analytics@all', 'dashboard@1', 'strap-a', '')),
    clean: fc.boolean(),
    keepalive: fc.integer({ min: 0, max: 65535 }),
    username: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('analytics', 'dashboard', 'strap-a', 'gw-a')), { nil: undefined }),
    password: fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { nil: undefined }),
    will: fc.option(fc.record({ topic, payload, qos, retain: fc.boolean() }), { nil: undefined }),
  })
  const publish = fc.record({ cmd: fc.constant('publish'), topic, payload, qos, retain: fc.boolean(), dup: fc.boolean(), messageId })
  const subscribe = fc.record({ cmd: fc.constant('subscribe'), messageId, subscriptions: fc.array(fc.record({ topic, qos }), { minLength: 1, maxLength: 5 }) })
  const unsubscribe = fc.record({ cmd: fc.constant('unsubscribe'), messageId, unsubscriptions: fc.array(topic, { minLength: 1, maxLength: 5 }) })
  const ack = fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp', 'unsuback', 'suback', 'connack'), messageId, returnCode: fc.integer({ min: 0, max: 255 }), granted: fc.constant([0]) })
  const bare = fc.record({ cmd: fc.constantFrom('pingreq', 'pingresp', 'disconnect', 'auth') })

  return fc.oneof({ weight: 3, arbitrary: publish }, { weight: 2, arbitrary: connect }, subscribe, unsubscribe, ack, bare)
}

function encode(p: unknown): Buffer | undefined {
  try {
    return mqttPacket.generate(p as mqttPacket.Packet)
  } catch {
    return undefined
  }
}

/** A mangling of a well-formed packet: the bytes a broken or hostile client sends. */
const mangle = fc.oneof(
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  // Remaining Length: forged to a huge value (§2.2.3: up to 268,435,455), or to more than four bytes
  fc.record({ kind: fc.constant('length'), bytes: fc.constantFrom([0xff, 0xff, 0xff, 0x7f], [0xff, 0xff, 0xff, 0xff, 0x01], [0x80, 0x80, 0x80, 0x80], [0x00], [0x7f]) }),
  // Half the packets stay well-formed, so that a connection lives long enough to reach what lies behind
  // the parser: the ACL, validation and the log.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('none') }) },
)

function applyMangle(bytes: Buffer, m: { kind: string; at?: number; value?: number; bytes?: readonly number[] }): Buffer {
  if (m.kind === 'truncate') return bytes.subarray(0, (m.at ?? 0) % Math.max(1, bytes.length))
  if (m.kind === 'flip') {
    const copy = Buffer.from(bytes)
    if (copy.length > 0) copy[(m.at ?? 0) % copy.length] = m.value ?? 0
    return copy
  }
  if (m.kind === 'length') return Buffer.concat([bytes.subarray(0, 1), Buffer.from(m.bytes ?? []), bytes.subarray(2)])
  return bytes
}

/** One hostile chunk of bytes: a structured packet (maybe mangled), or random bytes. */
export function hostileBytes(knownTopics: readonly string[] = []): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(packetObject(knownTopics), mangle).map(([p, m]) => applyMangle(encode(p) ?? Buffer.from(JSON.stringify(p) ?? ''), m)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 512 }).map((a) => Buffer.from(a)) },
  )
}

/** `count` hostile chunks from `seed`, produced lazily in batches (a million need not sit in memory). */
export function* hostileStream(count: number, seed: number, knownTopics: readonly string[] = [], batch = 2000): Generator<Buffer> {
  const arbitrary = hostileBytes(knownTopics)
  for (let done = 0, round = 0; done < count; round++) {
    const n = Math.min(batch, count - done)
    yield* fc.sample(arbitrary, { numRuns: n, seed: seed + round })
    done += n
  }
}

/** Hostile sample payloads (JSON of every shape, samples with wrong kinds, types and ranges, random bytes). */
export function* hostilePayloads(count: number, seed: number, batch = 2000): Generator<Buffer> {
  for (let done = 0, round = 0; done < count; round++) {
    const n = Math.min(batch, count - done)
    yield* fc.sample(payload, { numRuns: n, seed: seed + 7919 * (round + 1) })
    done += n
  }
}

/** A well-formed PUBLISH of `body` to `topic`: hostile content in a valid envelope reaches validation. */
export function publishPacket(topic: string, body: Buffer, messageId: number, qos: 0 | 1): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic, payload: body, qos, messageId, retain: false, dup: false })
}

/** A valid CONNECT for an identity, to put the fuzz behind authentication. */
export function connectPacket(username: string, password: string, clientId = username): Buffer {
  return mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId, username, password: Buffer.from(password) })
}
