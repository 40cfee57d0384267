/**
 * The demo gym in the registry: a coach and the class's members (with the physiology the simulator
 * gives them), the gym's pool straps and machines assigned to members for a class session that starts
 * now, members' own watches, and the BLE gateway. Every device gets a fresh credential; the secrets are
 * returned for the simulator and written to a file only the owner can read. Logins for a coach and a
 * member are generated and returned to be printed.
 */
import { rm, writeFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { randomBytes } from 'node:crypto'
import { SqliteRegistry, hashMachineSecret } from '@pulseline/registry'
import { checkDeploymentSecret } from '@pulseline/config'
import type { GymPlan } from '@pulseline/firmware-sim'

export interface DemoSeed {
  secrets: Map<string, string>
  logins: Array<{ role: string; login: string; password: string }>
  /** A new watch's pairing code, as its screen would show it. */
  pairing: { device: string; code: string }
  /** MQTT secrets of the services (analytics, dashboard), whose hashes are in the identities file. */
  services: Map<string, string>
}

/** What each service may do on the broker: analytics reads samples and writes derived topics; the dashboard reads. */
export const SERVICE_ACLS = {
  analytics: { subscribe: ['pulseline/+/device/+/samples'], publish: ['pulseline/+/member/+/live', 'pulseline/+/member/+/anomaly'] },
  dashboard: { subscribe: ['pulseline/+/member/+/live', 'pulseline/+/member/+/anomaly', 'pulseline/+/gateway/+/nearby'], publish: [] },
} as const

export async function seedDemoRegistry(
  path: string,
  plan: GymPlan,
  gatewayId: string,
  classStartMs: number,
  secretsPath: string,
  servicesPath: string,
  /** Services' MQTT secrets, when the operator sets them (compose's .env); random otherwise. */
  serviceSecrets: Partial<Record<keyof typeof SERVICE_ACLS, string>> = {},
): Promise<DemoSeed> {
  await rm(path, { force: true }) // demo data: a fresh registry each run
  await rm(`${path}-wal`, { force: true })
  await rm(`${path}-shm`, { force: true })
  const registry = SqliteRegistry.open(path)
  const gym = plan.gym
  await registry.createGym({ id: gym, name: 'Pulseline Demo Gym', timezone: 'Europe/London' })
  const password = () => randomBytes(9).toString('base64url')
  const logins = [
    { role: 'coach', login: 'coach@demo', password: password() },
    { role: 'member', login: 'member@demo', password: password() },
  ]
  await registry.createUser({ id: 'coach-1', gymId: gym, role: 'coach', displayName: 'Demo Coach', login: logins[0]!.login }, logins[0]!.password)
  for (const [i, m] of plan.members.entries()) {
    await registry.createUser({ id: m.id, gymId: gym, role: 'member', displayName: `Member ${i + 1}`, login: i === 0 ? logins[1]!.login : null }, i === 0 ? logins[1]!.password : undefined)
    await registry.setMemberProfile(m.id, {
      birthYear: new Date(classStartMs).getUTCFullYear() - m.person.age,
      sex: m.person.sex,
      weightKg: m.person.weightKg,
      restingHr: m.person.restHr,
      maxHr: m.person.maxHr,
      maxHrMeasured: false,
      zoneModel: 'percent_max',
    })
  }
  await registry.startSession({ id: 'demo-class', gymId: gym, coachUserId: 'coach-1', title: 'Demo intervals', startedMs: classStartMs, endedMs: null })
  const secrets = new Map<string, string>()
  for (const d of plan.devices) {
    const owned = d.kind === 'watch' // members bring their watches; straps and machines belong to the gym
    await registry.createDevice({ id: d.id, gymId: gym, kind: d.kind, address: null, serial: d.id, ownerUserId: owned ? d.memberId : null, pool: !owned })
    if (!owned) await registry.assign(d.id, d.memberId, classStartMs, 'demo-class')
    secrets.set(d.id, await registry.issueCredential(d.id))
  }
  await registry.createDevice({ id: gatewayId, gymId: gym, kind: 'gateway', address: null, serial: null, ownerUserId: null, pool: false })
  // A member's new watch, not yet paired: its screen shows a code the member enters in the dashboard.
  await registry.createDevice({ id: 'new-watch', gymId: gym, kind: 'watch', address: null, serial: 'NW-1', ownerUserId: null, pool: false })
  const pairing = { device: 'new-watch', code: await registry.createPairingCode('new-watch', 24 * 3_600_000) }
  secrets.set(gatewayId, await registry.issueCredential(gatewayId))
  await registry.close()
  await mkdir(dirname(secretsPath), { recursive: true })
  await writeFile(secretsPath, JSON.stringify(Object.fromEntries(secrets), null, 2), { mode: 0o600 })
  const services = new Map(
    Object.keys(SERVICE_ACLS).map((id) => {
      const given = serviceSecrets[id as keyof typeof SERVICE_ACLS]
      // An operator's secret must be a generated one: it is stored with a fast hash (registry/src/secret-hash.ts).
      return [id, given ? checkDeploymentSecret(`${id} MQTT password`, given) : randomBytes(18).toString('base64url')]
    }),
  )
  const identities = {
    devices: [],
    services: [...services].map(([id, secret]) => ({ id, secretHash: hashMachineSecret(secret), ...SERVICE_ACLS[id as keyof typeof SERVICE_ACLS] })),
  }
  await writeFile(servicesPath, JSON.stringify(identities, null, 2), { mode: 0o600 })
  return { secrets, logins, pairing, services }
}
