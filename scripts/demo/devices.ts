/**
 * Credentials for the demo's simulated devices: a random secret each, stored hashed in the identities
 * file that ingest reads, and in clear in a file only the owner can read, so the demo's devices (or a
 * person with mosquitto_pub) can log in.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { hashSecret, newSecret, type IdentityFile } from '@pulseline/ingest'
import type { GymPlan } from '@pulseline/firmware-sim'

/** Device secrets, plus the secret of each gateway id in `gateways`. */
export async function provisionDevices(plan: GymPlan, identitiesPath: string, secretsPath: string, gateways: string[] = []): Promise<Map<string, string>> {
  const secrets = new Map([...plan.devices.map((d) => d.id), ...gateways].map((id) => [id, newSecret()]))
  const file: IdentityFile = {
    devices: await Promise.all(
      plan.devices.map(async (d) => ({ id: d.id, gym: plan.gym, kind: d.kind, secretHash: await hashSecret(secrets.get(d.id)!) })),
    ),
    gateways: await Promise.all(gateways.map(async (id) => ({ id, gym: plan.gym, secretHash: await hashSecret(secrets.get(id)!) }))),
    services: [],
  }
  await mkdir(dirname(identitiesPath), { recursive: true })
  await writeFile(identitiesPath, JSON.stringify(file, null, 2))
  await writeFile(secretsPath, JSON.stringify(Object.fromEntries(secrets), null, 2), { mode: 0o600 })
  return secrets
}
