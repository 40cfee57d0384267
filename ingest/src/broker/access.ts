/**
 * Who may connect, publish and subscribe: the Aedes hooks. Devices authenticate with their own
 * credentials and may publish only to their own samples topic; services get the filters their identity
 * lists. A client id held by one identity cannot be taken over by another (Aedes' default would
 * disconnect the first client in favour of the second).
 *
 * Refusals are counted by error code and, where something was sent, dead-lettered. MQTT 3.1.1 has no
 * negative PUBACK (§3.3.5), so a publish outside the ACL closes the connection.
 */
import type { Aedes, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes'
import { ERROR_CODES, PulselineError, deviceSamplesTopic, gatewayTopicPrefix, gymDevicesTopic, parseDeviceSamplesTopic, seriesTags, type ErrorCode } from '@pulseline/protocol'
import { filterCovered, topicMatches, type GatewayIdentity, type Identity, type IdentityDirectory } from '../identity/identity.js'
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js'
import type { IngestMetrics } from '../metrics.js'
import type { DeviceSession, SampleIntake } from './sample-intake.js'

interface Session {
  identity: Identity
  /** For a device: its own session. For a gateway: one per device it has published for, built on first use. */
  device: DeviceSession | undefined
  onBehalf?: Map<string, DeviceSession>
}

export class BrokerAccess {
  /** Per-connection state, kept beside Aedes' client objects rather than on them. */
  private readonly sessions = new WeakMap<Client, Session>()
  private broker: Aedes | undefined

  constructor(
    private readonly directory: IdentityDirectory,
    private readonly intake: SampleIntake,
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: IngestMetrics,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
  ) {}

  attach(broker: Aedes): void {
    this.broker = broker
    broker.on('clientReady', () => this.metrics.connections.inc())
    broker.on('clientDisconnect', (client) => {
      if (this.sessions.has(client)) this.metrics.connections.dec()
    })
  }

  identityOf(client: Client): Identity | undefined {
    return this.sessions.get(client)?.identity
  }

  /** Disconnects every client authenticated as one of `ids` (after a credential is revoked or rotated). */
  disconnect(ids: readonly string[]): number {
    const wanted = new Set(ids)
    let n = 0
    for (const client of Object.values((this.broker as unknown as { clients: Record<string, Client> }).clients)) {
      const identity = this.identityOf(client)
      if (identity && wanted.has(identity.id)) {
        client.close()
        n++
      }
    }
    return n
  }

  readonly authenticate = (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    const remote = remoteOf(client)
    this.directory.authenticate(username ?? '', password ?? Buffer.alloc(0)).then(
      (result) => {
        if (!result.ok) return done(this.refuseConnect(result.reason, client, username, remote), false)
        const holder = this.broker ? (this.broker as unknown as { clients: Record<string, Client> }).clients[client.id] : undefined
        const holderIdentity = holder && holder !== client ? this.identityOf(holder) : undefined
        if (holderIdentity && holderIdentity.id !== result.identity.id) {
          return done(this.refuseConnect('PL_CLIENT_ID_IN_USE', client, username, remote), false)
        }
        const identity = result.identity
        const device =
          identity.type === 'device' ? { identity, clientId: client.id, tags: seriesTags(identity.id, identity.gym) } : undefined
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
    if (!client) return done(null) // the broker's own messages ($SYS heartbeats)
    const session = this.sessions.get(client)
    if (!session) return done(new Error('not authenticated'))
    const { identity } = session
    if (identity.type === 'service') {
      if (identity.publish.some((f) => topicMatches(f, packet.topic))) return done(null)
      return void this.refusePublish(identity.id, client, packet).then(done)
    }
    const device = identity.type === 'device' ? this.ownTopic(session, packet.topic) : this.gatewayTopic(session, identity, packet.topic)
    if (device === 'allowed') return done(null)
    if (!device) return void this.refusePublish(identity.id, client, packet).then(done)
    this.intake.accept(device, packet).then(
      () => done(null),
      (err: Error) => {
        this.metrics.rejected.inc({ reason: (err as { code?: ErrorCode }).code ?? 'PL_LOG_FULL' })
        done(err) // the log refused: closing the connection makes the device resend later
      },
    )
  }

  private ownTopic(session: Session, topic: string): DeviceSession | undefined {
    const identity = session.identity as { gym: string; id: string }
    return topic === deviceSamplesTopic(identity.gym, identity.id) ? session.device : undefined
  }

  /**
   * A gateway may publish samples for the registered devices of its own gym, and anything under its own
   * `pulseline/{gym}/gateway/{id}/` (claims, nearby devices), which is forwarded but not stored.
   */
  private gatewayTopic(session: Session, gateway: GatewayIdentity, topic: string): DeviceSession | 'allowed' | undefined {
    if (topic.startsWith(`${gatewayTopicPrefix(gateway.gym, gateway.id)}/`)) return 'allowed'
    const target = parseDeviceSamplesTopic(topic)
    if (!target || target.gym !== gateway.gym) return undefined
    const registered = this.directory.device(target.device)
    if (!registered || registered.gym !== gateway.gym) return undefined
    session.onBehalf ??= new Map()
    let device = session.onBehalf.get(registered.id)
    if (!device) {
      device = { identity: registered, clientId: session.device?.clientId ?? gateway.id, tags: seriesTags(registered.id, registered.gym) }
      session.onBehalf.set(registered.id, device)
    }
    return device
  }

  readonly authorizeSubscribe = (client: Client, sub: Subscription, done: (error: Error | null, sub?: Subscription | null) => void): void => {
    const identity = this.identityOf(client)
    if (identity?.type === 'service' && identity.subscribe.some((acl) => filterCovered(acl, sub.topic))) return done(null, sub)
    // Gateways see each other's claims, so that a device in range of two gateways is read by one.
    if (identity?.type === 'gateway' && filterCovered(`${gatewayTopicPrefix(identity.gym, '+')}/claims`, sub.topic)) return done(null, sub)
    // ... and the gym's device list, to know which devices to read.
    if (identity?.type === 'gateway' && sub.topic === gymDevicesTopic(identity.gym)) return done(null, sub)
    this.metrics.rejected.inc({ reason: 'PL_ACL_SUBSCRIBE' })
    this.log('subscribe_denied', { identity: identity?.id, topic: sub.topic })
    // A null subscription answers SUBACK 0x80 (failure) and keeps the connection (§3.9.3).
    done(null, null)
  }

  private refuseConnect(code: ErrorCode, client: Client, username: string | undefined, remote: string | undefined): AuthenticateError {
    this.metrics.rejected.inc({ reason: code })
    this.log('connect_refused', { reason: code, client: client.id, username, remote })
    const entry: { message: string; connack?: number } = ERROR_CODES[code]
    const error = new Error(code === 'PL_CLIENT_ID_IN_USE' ? 'client id in use' : 'bad username or password') as AuthenticateError
    error.returnCode = entry.connack ?? 5
    return error
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

function remoteOf(client: Client): string | undefined {
  return (client.conn as { remoteAddress?: string }).remoteAddress ?? client.req?.socket.remoteAddress
}
