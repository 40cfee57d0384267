/** A member's time zone: their profile's, else their gym's, else UTC (for files whose times carry none). */
import type { Registry } from '@pulseline/registry'

export async function memberZone(registry: Registry, member: string): Promise<string> {
  const profile = await registry.memberProfile(member)
  if (profile?.timezone) return profile.timezone
  const user = await registry.user(member)
  return (user?.gymId ? (await registry.gym(user.gymId))?.timezone : undefined) ?? 'UTC'
}
