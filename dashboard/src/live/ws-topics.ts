/**
 * What a browser may subscribe to on the live WebSocket, and under which access rule: one table, like the
 * REST routes', walked by the authorization-matrix test. A topic's parameters name the gym or member it is
 * about, resolved through the registry exactly as a route's are.
 *
 *   gym/{gym}/class        every member's tile in the gym (the class board)    coaches and admins of the gym
 *   gym/{gym}/equipment    tiles of members on machines (the gym view)          coaches and admins of the gym
 *   gym/{gym}/anomalies    anomaly alerts as they are raised                    coaches and admins of the gym
 *   gym/{gym}/nearby       devices the gym's gateways see, for pairing         anyone of the gym
 *   member/{member}        one member's tile and alerts                          the member, and coaches and admins of their gym
 */
import type { AccessRule } from '../plugins/access-rules.js'

export const WS_TOPICS = {
  'gym/:gym/class': 'gym:manage',
  'gym/:gym/equipment': 'gym:manage',
  'gym/:gym/anomalies': 'gym:manage',
  'gym/:gym/nearby': 'gym:member',
  'member/:member': 'member:read',
} as const satisfies Record<string, AccessRule>

export type WsTopicPattern = keyof typeof WS_TOPICS

export interface ParsedTopic {
  pattern: WsTopicPattern
  params: Record<string, string>
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/

/** Matches a concrete topic against the table; null for anything not in it or with a malformed id. */
export function parseWsTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/')
  for (const pattern of Object.keys(WS_TOPICS) as WsTopicPattern[]) {
    const expected = pattern.split('/')
    if (expected.length !== parts.length) continue
    const params: Record<string, string> = {}
    let ok = true
    expected.forEach((segment, i) => {
      if (segment.startsWith(':')) {
        if (ID.test(parts[i]!)) params[segment.slice(1)] = parts[i]!
        else ok = false
      } else if (segment !== parts[i]) ok = false
    })
    if (ok) return { pattern, params }
  }
  return null
}
