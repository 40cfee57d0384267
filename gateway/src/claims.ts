/**
 * One reader per device when a device is in range of two gateways. Each gateway restates, retained, the
 * devices it reads (`pulseline/{gym}/gateway/{id}/claims`) every heartbeat, and leaves alone a device that
 * another live gateway claims. If two claim the same device at once, the lower gateway id keeps it and the
 * other lets go, so the device's samples are read, stamped and stored once.
 */
import type { MqttClient } from 'mqtt'
import { decodeMessage, gatewayTopicPrefix, type GatewayClaim } from '@pulseline/protocol'

type Claim = GatewayClaim

export class Claims {
  private readonly others = new Map<string, Claim>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly client: MqttClient,
    private readonly gym: string,
    private readonly self: string,
    private readonly ttlMs: number,
    /** Called for a claim that is not of its declared shape: it claims nothing. */
    private readonly onDropped: (reason: string) => void = () => {},
  ) {
    client.on('message', (topic, payload) => {
      const m = /^pulseline\/[^/]+\/gateway\/([^/]+)\/claims$/.exec(topic)
      if (!m || m[1] === self) return
      const claim = decodeMessage('claim', payload)
      if (!claim.ok) return this.onDropped(claim.reason)
      // The gateway is the one the topic names (the broker checked who published it), whatever the body says;
      // a claim dated in the future lasts no longer than one made now.
      this.others.set(m[1]!, { gateway: m[1]!, at: Math.min(claim.value.at, Date.now()), devices: claim.value.devices })
    })
    client.on('connect', () => client.subscribe(`${gatewayTopicPrefix(gym, '+')}/claims`, { qos: 1 }))
  }

  /** True when another live gateway reads this device and should keep it (lower id wins a tie). */
  heldElsewhere(address: string, weHoldIt: boolean, now = Date.now()): boolean {
    for (const claim of this.others.values()) {
      if (now - claim.at > this.ttlMs || !claim.devices.includes(address)) continue
      if (!weHoldIt || claim.gateway < this.self) return true
    }
    return false
  }

  /** Restates this gateway's claims now and every `heartbeatMs`. */
  start(heartbeatMs: number, held: () => string[]): void {
    const publish = () => {
      if (!this.client.connected) return
      const claim: Claim = { gateway: this.self, at: Date.now(), devices: held() }
      this.client.publish(`${gatewayTopicPrefix(this.gym, this.self)}/claims`, JSON.stringify(claim), { qos: 1, retain: true })
    }
    this.client.on('connect', publish)
    this.timer = setInterval(publish, heartbeatMs)
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
