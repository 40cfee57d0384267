/** The engine tests' registry: gym g, member ann (HRmax 190) wearing her own strap s1. */
import { SqliteRegistry } from '@pulseline/registry'

export async function oneMemberRegistry(): Promise<SqliteRegistry> {
  const registry = SqliteRegistry.open(':memory:')
  await registry.createGym({ id: 'g', name: 'G', timezone: 'UTC' })
  await registry.createUser({ id: 'ann', gymId: 'g', role: 'member', displayName: 'Ann', login: null })
  await registry.setMemberProfile('ann', { maxHr: 190, restingHr: 55, sex: 'female', weightKg: 60, birthYear: 1990 })
  await registry.createDevice({ id: 's1', gymId: 'g', kind: 'strap', address: null, serial: null, ownerUserId: 'ann', pool: false })
  return registry
}
