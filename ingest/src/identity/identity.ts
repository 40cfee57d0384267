/**
 * Who is on the other end of an MQTT connection, and the directory that answers it. A device publishes
 * samples under its own topic; a service (analytics, dashboard) subscribes and publishes derived topics
 * as its ACL patterns allow. The registry issue replaces the file directory behind this same interface.
 */
export interface DeviceIdentity {
  type: 'device'
  id: string
  gym: string
  kind: string
}

export interface ServiceIdentity {
  type: 'service'
  id: string
  /** MQTT filters this service may subscribe to; `+` and `#` as in MQTT. */
  subscribe: string[]
  /** MQTT filters of the topics this service may publish to. */
  publish: string[]
}

/**
 * A gym's BLE gateway: it publishes the samples of the gym's registered devices under their own topics
 * (`pulseline/{gym}/device/{device}/samples`), and its claims and nearby-device reports under
 * `pulseline/{gym}/gateway/{id}/#`.
 */
export interface GatewayIdentity {
  type: 'gateway'
  id: string
  gym: string
}

export type Identity = DeviceIdentity | ServiceIdentity | GatewayIdentity

export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: 'PL_AUTH_FAILED' | 'PL_AUTH_UNKNOWN_DEVICE' }

export interface IdentityDirectory {
  /**
   * Checks a username (device, gateway or service id) and secret. Never throws for bad input. A username
   * that names a service is that service's alone: no device or gateway of that name can log in.
   */
  authenticate(username: string, secret: Buffer): Promise<AuthResult>
  /** Whether any identity (device, gateway or service) has this id: its client ids are reserved for it. */
  knows(id: string): boolean
  /** The service with this id as it is now (its ACL may have changed since it connected), or undefined. */
  service(id: string): ServiceIdentity | undefined
  /** The registered device with this id, for checking what a gateway publishes on a device's behalf. */
  device(id: string): DeviceIdentity | undefined
}

/** The key that tells identities apart: an id is unique only within its type (and a device's, its gym). */
export function identityKey(identity: Identity): string {
  return identity.type === 'service' ? `service:${identity.id}` : `${identity.type}:${identity.gym}:${identity.id}`
}

/** MQTT topic filter matching (§4.7): `+` one level, `#` the rest; `$` topics only match `$` filters. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && !filter.startsWith('$')) return false
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}

/**
 * Whether every topic a subscription filter can match is allowed by one of the ACL filters. A filter is
 * covered when, level by level, each ACL level is `#`, or `+` over a non-`#` level, or equal.
 */
export function filterCovered(acl: string, filter: string): boolean {
  const a = acl.split('/')
  const f = filter.split('/')
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '#') return true
    if (i >= f.length) return false
    if (f[i] === '#') return false
    if (a[i] === '+') continue
    if (a[i] !== f[i]) return false
  }
  return a.length === f.length
}
