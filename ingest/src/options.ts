/**
 * ingest's options: one schema, one defaults object. Units are in each description. The README's
 * configuration reference is generated from these (npm run docs:config).
 */
import { Type, type Static } from '@sinclair/typebox'
import { resolveOptions, type DeepPartial } from '@pulseline/config'
import { INFLUX_CONNECTION_DEFAULTS, InfluxConnectionProperties } from '@pulseline/influx'
import { PulselineError } from '@pulseline/protocol'

const port = (description: string) => Type.Integer({ minimum: 0, maximum: 65535, description })
const bytes = (minimum: number, description: string) => Type.Integer({ minimum, description: `${description} (bytes)` })
const ms = (minimum: number, description: string) => Type.Integer({ minimum, description: `${description} (ms)` })
const strict = { additionalProperties: false } as const

export const IngestOptionsSchema = Type.Object(
  {
    mqtt: Type.Object(
      {
        host: Type.String({ description: 'address the plain MQTT listeners (TCP, WebSocket) bind to; anything but loopback needs allowPlaintext' }),
        allowPlaintext: Type.Boolean({ description: 'let plain MQTT listen beyond loopback: device secrets and health data then cross the network in clear (prefer tlsPort)' }),
        port: port('MQTT over TCP; 0 picks a free port'),
        wsPort: port('MQTT over WebSocket; 0 picks a free port'),
        wsEnabled: Type.Boolean({ description: 'serve MQTT over WebSocket too' }),
        maxPacketBytes: bytes(1024, 'largest MQTT packet read; a larger one closes the connection before it is buffered'),
        maxPayloadBytes: bytes(256, 'largest sample payload; a larger one is dead-lettered and acknowledged'),
        noDelay: Type.Boolean({ description: 'TCP_NODELAY on client sockets: lower latency for live consumers' }),
        tlsPort: Type.Integer({ minimum: -1, maximum: 65535, description: 'MQTT over TLS; -1 is off, 0 picks a free port' }),
        tlsHost: Type.String({ description: 'address the TLS listener binds to; 0.0.0.0 to accept devices from the LAN' }),
        tlsCertFile: Type.String({ description: 'PEM certificate (chain) for the TLS listener' }),
        tlsKeyFile: Type.String({ description: 'PEM private key for the TLS listener' }),
        connectsPerSecondPerAddress: Type.Integer({ minimum: 1, description: 'CONNECTs one address may make per second; more are refused (CONNACK 3) before any secret is checked' }),
        failedLoginsPerMinutePerAddress: Type.Integer({ minimum: 1, description: 'failed logins one address may make per minute; past it the address is refused for a minute' }),
        maxPendingLogins: Type.Integer({ minimum: 1, description: 'logins being checked at once; more are refused (CONNACK 3) until some finish' }),
        keepaliveLimitS: Type.Integer({ minimum: 0, maximum: 65535, description: 'longest MQTT keepalive a client may ask for; 0 (no keepalive) is refused unless this is 0 (s)' }),
        connectTimeoutMs: ms(100, 'how long a new connection may take to send its CONNECT'),
      },
      strict,
    ),
    http: Type.Object(
      {
        host: Type.String({ description: 'address of the /metrics and /healthz listener' }),
        port: port('port of /metrics and /healthz; 0 picks a free port'),
        metricsToInfluxMs: Type.Integer({ minimum: 0, description: 'write the /metrics counters to InfluxDB (measurement pipeline) this often, for Grafana; 0 is off (ms)' }),
        token: Type.String({ description: 'bearer token /dead-letters asks for; empty: /dead-letters answers loopback clients only' }),
      },
      strict,
    ),
    log: Type.Object(
      {
        dir: Type.String({ description: 'directory of the durable sample log' }),
        segmentBytes: bytes(4096, 'size at which a log segment is closed'),
        maxBytes: bytes(65536, 'disk the log may use; past it publishes are refused until InfluxDB catches up'),
        maxPendingBytes: bytes(65536, 'bytes accepted but waiting for the next group commit'),
      },
      strict,
    ),
    deadLetters: Type.Object(
      {
        dir: Type.String({ description: 'directory of the dead-letter store' }),
        maxBytes: bytes(65536, 'disk the dead-letter store may use; the oldest letters are deleted past it, counted'),
        keepPayloadBytes: bytes(0, 'bytes of a rejected payload kept with its reasons'),
        servePayloads: Type.Boolean({ description: 'let /dead-letters?payload=1 return the refused bytes, which may hold health values' }),
      },
      strict,
    ),
    influx: Type.Object(InfluxConnectionProperties, strict),
    writer: Type.Object(
      {
        batchBytes: bytes(1024, 'target size of one write request'),
        maxInFlight: Type.Integer({ minimum: 1, maximum: 16, description: 'write requests in flight at once' }),
        backoffInitialMs: ms(1, 'first retry delay'),
        backoffMaxMs: ms(1, 'longest retry delay'),
        lingerMs: ms(0, 'how long a part-filled batch waits for more data'),
      },
      strict,
    ),
    validation: Type.Object(
      {
        maxFutureMs: ms(0, 'how far a sample may be ahead of the server clock'),
        maxPastMs: ms(60_000, 'how far a sample may be behind the server clock: a gateway outbox or a watch holds days, not years'),
        maxSamples: Type.Integer({ minimum: 1, maximum: 100_000, description: 'samples one payload may carry' }),
      },
      strict,
    ),
    erasure: Type.Object(
      {
        graceMs: ms(0, "after a member's series are dropped, how long to wait before dropping them again, for derived lines other services had in flight"),
      },
      strict,
    ),
    cluster: Type.Object(
      {
        redisUrl: Type.String({ description: "cluster mode: Redis (redis://…) that carries messages between ingest nodes and keeps subscriptions, retained messages and QoS 1 sessions; '' is a single node" }),
        nodeId: Type.String({ pattern: '^[A-Za-z0-9_-]{0,64}$', description: "this node's name in the cluster, the same across its restarts; '' is the host name" }),
        maxSessionDelivery: Type.Integer({ minimum: 1, description: 'most queued QoS 1 messages delivered to a persistent session when it reconnects (cluster mode)' }),
        natsUrls: Type.Array(Type.String(), { description: "cluster mode: NATS servers with JetStream; the log is then a stream replicated to `replicas` of them, and a PUBACK waits for a majority. [] keeps the local log" }),
        replicas: Type.Integer({ minimum: 1, maximum: 5, description: 'copies of each node\'s log stream (3: one NATS server can be lost)' }),
        publishTimeoutMs: ms(100, 'how long an append waits for JetStream before the sample is refused (not acknowledged)'),
        heartbeatMs: ms(100, "how often a node says it is alive, and looks for dead nodes' logs to ship"),
        nodeTtlMs: ms(500, "a node silent this long is dead: another node ships its log"),
      },
      strict,
    ),
    identities: Type.Object(
      {
        file: Type.String({ description: 'JSON file of device, gateway and service credentials (scrypt hashes); with a registry, services only' }),
        registry: Type.String({ description: 'the registry, a SQLite file or a postgres:// URL; when set, devices and gateways log in against it and samples carry their member' }),
        registryPollMs: ms(50, 'how often the registry\'s change feed is read (revocations, assignments)'),
        reattributeLookbackMs: ms(0, 'how far back samples written without a member are attributed when an assignment covers them'),
      },
      strict,
    ),
  },
  strict,
)

export type IngestOptions = Static<typeof IngestOptionsSchema>
export type IngestOptionsInput = DeepPartial<IngestOptions>

export const INGEST_DEFAULTS: IngestOptions = {
  mqtt: {
    host: '127.0.0.1',
    allowPlaintext: false,
    port: 1883,
    wsPort: 8083,
    wsEnabled: true,
    maxPacketBytes: 1024 * 1024,
    maxPayloadBytes: 256 * 1024,
    noDelay: true,
    tlsPort: -1,
    tlsHost: '127.0.0.1',
    tlsCertFile: '',
    tlsKeyFile: '',
    // A gym's devices share one NATed address: a whole class reconnecting at once must get through.
    connectsPerSecondPerAddress: 50,
    failedLoginsPerMinutePerAddress: 120,
    maxPendingLogins: 64,
    keepaliveLimitS: 1200,
    connectTimeoutMs: 10_000,
  },
  http: { host: '127.0.0.1', port: 9464, metricsToInfluxMs: 10_000, token: '' },
  log: {
    dir: '.data/ingest/log',
    segmentBytes: 64 * 1024 * 1024,
    maxBytes: 8 * 1024 * 1024 * 1024,
    maxPendingBytes: 64 * 1024 * 1024,
  },
  deadLetters: { dir: '.data/ingest/dead-letters', maxBytes: 256 * 1024 * 1024, keepPayloadBytes: 4096, servePayloads: false },
  influx: INFLUX_CONNECTION_DEFAULTS,
  // A batch is only as large as the backlog, so these matter under load: while the broker keeps ingest's event
  // loop busy a write's answer waits for it (some 450 ms at 340k samples/s), and the bytes in flight are what
  // the shipper moves per round trip. 2 × 512 KiB shipped 190k points during the intake of 1.6M (the rest
  // after it); 4 × 2 MiB shipped 840k and the whole run took 258k samples/s against 203k (medians of four
  // alternated pairs, npm run bench -- --only raw2,pipe20, 2026-12-06). Memory: at most 8 MiB of bodies.
  // lingerMs: a live class is a trickle (2,000 straps, 2,000 samples/s), and a write a trickle's batch costs ingest
  // a request, a wake-up of InfluxDB (with its WAL's fsync) and a checkpoint: 200 ms instead of 20 took ingest
  // from 0.46-0.51 to 0.42 of a core and sensor to screen's p99 from 51-62 to 40-41 ms (two alternated pairs of
  // two runs, --only sockets), for history in InfluxDB at most 200 ms later.
  writer: { batchBytes: 2 * 1024 * 1024, maxInFlight: 4, backoffInitialMs: 100, backoffMaxMs: 30_000, lingerMs: 200 },
  validation: { maxFutureMs: 5 * 60_000, maxPastMs: 30 * 24 * 3_600_000, maxSamples: 1000 },
  erasure: { graceMs: 10_000 },
  cluster: { redisUrl: '', nodeId: '', maxSessionDelivery: 1000, natsUrls: [], replicas: 3, publishTimeoutMs: 5_000, heartbeatMs: 1_000, nodeTtlMs: 5_000 },
  identities: { file: '.data/identities.json', registry: '', registryPollMs: 1000, reattributeLookbackMs: 7 * 24 * 3_600_000 },
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host)
}

export function resolveIngestOptions(input: unknown = {}): IngestOptions {
  const options = resolveOptions('ingest', IngestOptionsSchema, INGEST_DEFAULTS, input)
  // Security review M12: plain MQTT beyond this machine is a choice the operator makes, never a default.
  if (!isLoopback(options.mqtt.host) && !options.mqtt.allowPlaintext) {
    throw new PulselineError('PL_CONFIG_INVALID', 'ingest.mqtt.host', `${options.mqtt.host} would serve plain MQTT beyond loopback: serve devices over TLS (mqtt.tlsPort, mqtt.tlsHost) or set mqtt.allowPlaintext`)
  }
  return options
}
