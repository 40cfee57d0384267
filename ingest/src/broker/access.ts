/**
 * Who may connect, publish, subscribe and receive: the Aedes hooks.
 *
 * Identities are typed (device, gateway, service) and keyed by type, gym and id, so a registry device named
 * `analytics` is never the service `analytics` (the directory resolves a service name to the service
 * alone). A client id belongs to one identity: `{id}` and `{id}@{anything}` are that identity's (`@` is not
 * allowed in ids, so no other identity's id can start that way); any other client id is bound to the
 * identity that first used it. A persistent session (clean=false) is therefore resumed only by the identity
 * that created it; one created by a deleted identity is not resumed by a new one of the same id elsewhere. Every packet forwarded to a subscriber is checked against
 * that subscriber's ACL again (authorizeForward), so a restored or stale subscription delivers nothing
 * the identity may not read now.
 *
 * Logins are cheap to refuse: CONNECTs per address and failed logins per address are limited before any
 * secret is checked, and so is the number of logins being checked at once.
 *
 * Refusals are counted by error code and, where something was sent, dead-lettered. MQTT 3.1.1 has no
 * negative PUBACK (§3.3.5), so a publish outside the ACL closes the connection.
 */
import type { Aedes, AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { ERROR_CODES, PulselineError, deviceSamplesTopic, gatewayTopicPrefix, gymDevicesTopic, gymErasuresTopic, parseDeviceSamplesTopic, seriesTags, type ErrorCode } from '@pulseline/protocol'
import { filterCovered, identityKey, topicMatches, type DeviceIdentity, type GatewayIdentity, type Identity, type IdentityDirectory } from '../identity/identity.js'
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js'
import type { IngestMetrics } from '../metrics.js'
import type { GatewayHealthIntake } from './gateway-health.js'
import type { DeviceSession, SampleIntake } from './sample-intake.js'

interface Session {
  identity: Identity
  /** For a device: its own session. For a gateway: one per device it has published for, built on first use. */
  device: DeviceSession | undefined
  onBehalf?: Map<string, DeviceSession>
}

export interface AccessLimits {
  connectsPerSecondPerAddress: number
  failedLoginsPerMinutePerAddress: number
  maxPendingLogins: number
}

/** Client ids bound to the identity that first used them; past this many the longest unused is forgotten. */
const MAX_BOUND_CLIENT_IDS = 100_000

/**
 * Whether the client id is reserved for identity `id` (`{id}` or `{id}@…`), for another identity (its
 * prefix before `@` is another id, or it is an id `isKnown` names), or for nobody in particular.
 */
export function clientIdReservation(clientId: string, id: string, isKnown: (name: string) => boolean): 'own' | 'other' | 'free' {
  const at = clientId.indexOf('@')
  const name = at < 0 ? clientId : clientId.slice(0, at)
  if (name === id) return 'own'
  return at >= 0 || isKnown(name) ? 'other' : 'free'
}

export class BrokerAccess {
  /** Per-connection state, kept beside Aedes' client objects rather than on them. */
  private readonly sessions = new WeakMap<Client, Session>()
  private readonly boundClientIds = new Map<string, string>()
  private readonly connects: RateLimiterMemory
  private readonly failures: RateLimiterMemory
  private pendingLogins = 0
  private broker: Aedes | undefined

  constructor(
    private readonly directory: IdentityDirectory,
    private readonly intake: SampleIntake,
    private readonly health: GatewayHealthIntake,
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: IngestMetrics,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
    private readonly limits: AccessLimits,
    /** Whether a device was deleted with an erased member (its samples are dropped, not dead-lettered). */
    private readonly erasedDevice: (device: string) => boolean = () => false,
  ) {
    this.connects = new RateLimiterMemory({ points: limits.connectsPerSecondPerAddress, duration: 1 })
    this.failures = new RateLimiterMemory({ points: limits.failedLoginsPerMinutePerAddress, duration: 60, blockDuration: 60 })
  }

  attach(broker: Aedes): void {
    this.broker = broker
    broker.on('clientReady', () => this.metrics.connections.inc())
    broker.on('clientDisconnect', (client) => {
      if (this.sessions.has(client)) this.metrics.connections.dec()
    })
  }

  /** The client's identity with its rights as they are now: a service's ACL is read again from the directory. */
  identityOf(client: Client): Identity | undefined {
    const identity = this.sessions.get(client)?.identity
    return identity?.type === 'service' ? this.directory.service(identity.id) : identity
  }

  /** Disconnects every client authenticated as one of `ids` of the given types (after a credential is revoked or rotated). */
  disconnect(ids: readonly string[], types: ReadonlyArray<Identity['type']>): number {
    const wanted = new Set(ids)
    let n = 0
    for (const client of Object.values(this.clients())) {
      const identity = this.sessions.get(client)?.identity // as it logged in: a removed service is still disconnected
      if (identity && wanted.has(identity.id) && types.includes(identity.type)) {
        client.close()
        n++
      }
    }
    return n
  }

  /**
   * Before the broker sees a byte of a new connection: whether its address is within its budget of
   * connections and failed logins. A refused socket is closed at once, before Aedes builds a client for it,
   * so that a storm costs the broker an accept and a close.
   */
  async admit(remote: string | undefined): Promise<boolean> {
    const address = remote ?? 'unknown'
    try {
      const failed = await this.failures.get(address)
      if (failed && failed.consumedPoints > this.limits.failedLoginsPerMinutePerAddress) throw new Error('blocked')
      await this.connects.consume(address)
      return true
    } catch {
      this.metrics.rejected.inc({ reason: 'PL_CONNECT_RATE' })
      return false
    }
  }

  readonly authenticate = (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    const remote = remoteOf(client)
    if (this.pendingLogins >= this.limits.maxPendingLogins) return done(this.refuseConnect('PL_CONNECT_RATE', client, username, remote), false)
    this.pendingLogins++
    this.directory
      .authenticate(username ?? '', password ?? Buffer.alloc(0))
      .finally(() => this.pendingLogins--)
      .then(
        (result) => {
          if (!result.ok) {
            // Past the budget the address is blocked for blockDuration; preConnect then refuses it.
            this.failures.consume(remote ?? 'unknown').catch(() => undefined)
            return done(this.refuseConnect(result.reason, client, username, remote), false)
          }
          const identity = result.identity
          const key = identityKey(identity)
          if (clientIdReservation(client.id, identity.id, (name) => this.directory.knows(name)) === 'other') {
            return done(this.refuseConnect('PL_CLIENT_ID_NOT_OWN', client, username, remote), false)
          }
          const holder = this.clients()[client.id]
          const holderIdentity = holder && holder !== client ? this.sessions.get(holder)?.identity : undefined
          if (holderIdentity && identityKey(holderIdentity) !== key) return done(this.refuseConnect('PL_CLIENT_ID_IN_USE', client, username, remote), false)
          const bound = this.boundClientIds.get(client.id)
          if (bound !== undefined && bound !== key) return done(this.refuseConnect(client.clean ? 'PL_CLIENT_ID_IN_USE' : 'PL_SESSION_NOT_OWN', client, username, remote), false)
          this.boundClientIds.delete(client.id) // re-inserted last: the map is kept in order of use
          this.boundClientIds.set(client.id, key)
          if (this.boundClientIds.size > MAX_BOUND_CLIENT_IDS) this.boundClientIds.delete(this.boundClientIds.keys().next().value!)
          const device = identity.type === 'device' ? deviceSession(identity, client.id) : undefined
          if (identity.type === 'gateway') this.log('gateway_connected', { gateway: identity.id, client: client.id })
          this.sessions.set(client, { identity, device })
          done(null, true)
        },
        (err: Error) => {
          this.log('auth_error', { client: client.id, error: err.message })
          const error = new Error('authentication unavailable') as AuthenticateError
          error.returnCode = 3
          done(error, false)
        },
      )
  }

  readonly authorizePublish = (client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void => {
    // No client: Aedes publishing on a peer's behalf (a will of a dead cluster node). Only its own $SYS topics.
    if (!client) return done(packet.topic.startsWith('$SYS/') ? null : new Error('no client'))
    const session = this.sessions.get(client)
    const identity = this.identityOf(client)
    if (!session || !identity) return done(new Error('not authenticated'))
    // A QoS 2 publish waits in memory for a PUBREL that a hostile client never sends.
    if (packet.qos === 2) return done(this.refuse('PL_QOS_UNSUPPORTED', identity, packet))
    if (identity.type === 'service') {
      if (packet.retain) return done(this.refuse('PL_RETAIN_REFUSED', identity, packet))
      if (identity.publish.some((f) => topicMatches(f, packet.topic))) return done(null)
      return void this.refusePublish(identity.id, client, packet).then(done)
    }
    const device = identity.type === 'device' ? this.ownTopic(session, packet.topic) : this.gatewayTopic(session, identity, packet)
    if (device === 'allowed') return done(null)
    if (device === 'health') {
      return void this.health.accept(identity as GatewayIdentity, client.id, packet).then(
        () => done(null),
        (err: Error) => done(err),
      )
    }
    if (device === 'erased') {
      // A gateway's outbox still held samples of an erased member's own device (deleted with them).
      this.metrics.rejected.inc({ reason: 'PL_SAMPLE_ERASED' })
      packet.topic = `$pulseline/erased/${identity.id}`
      return done(null)
    }
    if (device === 'retain') return done(this.refuse('PL_RETAIN_REFUSED', identity, packet))
    if (!device) return void this.refusePublish(identity.id, client, packet).then(done)
    this.intake.accept(device, packet).then(
      () => done(null),
      (err: Error) => {
        this.metrics.rejected.inc({ reason: (err as { code?: ErrorCode }).code ?? 'PL_LOG_FULL' })
        done(err) // the log refused: closing the connection makes the device resend later
      },
    )
  }

  /** Each packet on its way to a subscriber: delivered only if the subscriber's identity may read its topic now. */
  readonly authorizeForward = (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null => {
    const identity = this.identityOf(client)
    return identity && this.mayRead(identity, packet.topic) ? packet : null
  }

  private mayRead(identity: Identity, topic: string): boolean {
    if (identity.type === 'service') return identity.subscribe.some((acl) => topicMatches(acl, topic))
    if (identity.type === 'gateway') return topic === gymDevicesTopic(identity.gym) || topic === gymErasuresTopic(identity.gym) || topicMatches(`${gatewayTopicPrefix(identity.gym, '+')}/claims`, topic)
    return false
  }

  private ownTopic(session: Session, topic: string): DeviceSession | undefined {
    return topic === session.device?.topic ? session.device : undefined
  }

  /**
   * A gateway may publish samples for the registered devices of its own gym, and its claims (retained) and
   * nearby list under its own `pulseline/{gym}/gateway/{id}/`, which are forwarded but not stored, and its
   * health there, which is stored as pipeline metrics (gateway-health.ts).
   */
  private gatewayTopic(session: Session, gateway: GatewayIdentity, packet: PublishPacket): DeviceSession | 'allowed' | 'retain' | 'erased' | 'health' | undefined {
    const { topic } = packet
    const own = gatewayTopicPrefix(gateway.gym, gateway.id)
    if (topic === `${own}/claims`) return 'allowed'
    if (topic === `${own}/health`) return packet.retain ? 'retain' : 'health'
    if (topic === `${own}/nearby`) return packet.retain ? 'retain' : 'allowed'
    const target = parseDeviceSamplesTopic(topic)
    if (!target || target.gym !== gateway.gym) return undefined
    const registered = this.directory.device(target.device)
    if (!registered && this.erasedDevice(target.device)) return 'erased'
    if (!registered || registered.gym !== gateway.gym) return undefined
    session.onBehalf ??= new Map()
    let device = session.onBehalf.get(registered.id)
    if (!device) {
      device = deviceSession(registered, session.device?.clientId ?? gateway.id)
      session.onBehalf.set(registered.id, device)
    }
    return device
  }

  readonly authorizeSubscribe = (client: Client, sub: Subscription, done: (error: Error | null, sub?: Subscription | null) => void): void => {
    const identity = this.identityOf(client)
    if (identity?.type === 'service' && identity.subscribe.some((acl) => filterCovered(acl, sub.topic))) return done(null, sub)
    // Gateways see each other's claims, so that a device in range of two gateways is read by one.
    if (identity?.type === 'gateway' && filterCovered(`${gatewayTopicPrefix(identity.gym, '+')}/claims`, sub.topic)) return done(null, sub)
    // ... and the gym's device list, to know which devices to read, and its erasures, to purge its outbox.
    if (identity?.type === 'gateway' && (sub.topic === gymDevicesTopic(identity.gym) || sub.topic === gymErasuresTopic(identity.gym))) return done(null, sub)
    this.metrics.rejected.inc({ reason: 'PL_ACL_SUBSCRIBE' })
    this.log('subscribe_denied', { identity: identity?.id, topic: sub.topic })
    // A null subscription answers SUBACK 0x80 (failure) and keeps the connection (§3.9.3).
    done(null, null)
  }

  private clients(): Record<string, Client> {
    return this.broker ? (this.broker as unknown as { clients: Record<string, Client> }).clients : {}
  }

  private refuseConnect(code: ErrorCode, client: Client, username: string | undefined, remote: string | undefined): AuthenticateError {
    this.metrics.rejected.inc({ reason: code })
    this.log('connect_refused', { reason: code, client: client.id, username, remote })
    const entry: { message: string; connack?: number } = ERROR_CODES[code]
    const error = new Error(entry.connack === 2 ? 'identifier rejected' : entry.connack === 3 ? 'server unavailable' : 'bad username or password') as AuthenticateError
    error.returnCode = entry.connack ?? 5
    return error
  }

  /** Counts a refused publish that carries nothing worth keeping; the error closes the connection. */
  private refuse(code: 'PL_QOS_UNSUPPORTED' | 'PL_RETAIN_REFUSED', identity: Identity, packet: PublishPacket): Error {
    this.metrics.rejected.inc({ reason: code })
    this.log('publish_denied', { reason: code, identity: identity.id, topic: packet.topic })
    return code === 'PL_QOS_UNSUPPORTED' ? new PulselineError(code, packet.qos) : new PulselineError(code, identity.id, packet.topic)
  }

  /** Counts and dead-letters a publish outside the ACL; resolves, once the letter is stored, to the error that closes the connection. */
  private async refusePublish(id: string, client: Client, packet: PublishPacket): Promise<Error> {
    this.metrics.rejected.inc({ reason: 'PL_ACL_PUBLISH' })
    this.metrics.deadLetters.inc()
    this.log('publish_denied', { identity: id, topic: packet.topic })
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    await this.deadLetters
      .put({ at: Date.now(), reason: 'PL_ACL_PUBLISH', device: id, client: client.id, topic: packet.topic }, payload)
      .catch((err: Error) => this.log('dead_letter_failed', { error: err.message }))
    return new PulselineError('PL_ACL_PUBLISH', id, packet.topic)
  }
}

function deviceSession(identity: DeviceIdentity, clientId: string): DeviceSession {
  return { identity, clientId, tags: seriesTags(identity.id, identity.gym), topic: deviceSamplesTopic(identity.gym, identity.id) }
}

function remoteOf(client: Client): string | undefined {
  return (client.conn as { remoteAddress?: string }).remoteAddress ?? client.req?.socket.remoteAddress
}
