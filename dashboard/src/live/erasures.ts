/**
 * Follows the registry's change feed for erasures, so that a member erased from anywhere (the CLI, another
 * dashboard instance) leaves this dashboard's live state within a poll, not when their tile goes stale.
 */
import type { Registry } from '@pulseline/registry'

export function followErasures(registry: Registry, forget: (member: string) => void, pollMs: number): { stop(): void } {
  let seq: number | undefined
  let polling = false
  const poll = async () => {
    if (polling) return
    polling = true
    try {
      const changes = await registry.changesSince(seq ?? 0)
      // The first read only finds where the feed is: members erased before this start were never in the hub.
      if (seq !== undefined) for (const c of changes) if (c.kind === 'erasure') forget(c.subject)
      seq = changes.at(-1)?.seq ?? seq ?? 0
    } finally {
      polling = false
    }
  }
  const timer = setInterval(() => void poll().catch(() => undefined), pollMs)
  void poll().catch(() => undefined)
  return { stop: () => clearInterval(timer) }
}
