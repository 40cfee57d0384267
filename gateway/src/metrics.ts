/** The gateway's counters, on a registry of its own. */
import { Counter, Registry } from 'prom-client'
import { gaugeFrom } from '@pulseline/config'

export class GatewayMetrics {
  readonly registry = new Registry()
  readonly notifications = new Counter({ name: 'pulseline_gateway_notifications_total', help: 'GATT notifications received, by characteristic', labelNames: ['characteristic'] as const, registers: [this.registry] })
  readonly decodeErrors = new Counter({ name: 'pulseline_gateway_decode_errors_total', help: 'Notifications that could not be decoded, by characteristic', labelNames: ['characteristic'] as const, registers: [this.registry] })
  readonly samples = new Counter({ name: 'pulseline_gateway_samples_total', help: 'Samples queued in the outbox', registers: [this.registry] })
  readonly droppedRr = new Counter({ name: 'pulseline_gateway_dropped_rr_total', help: 'RR intervals outside 200–3000 ms left out of samples', registers: [this.registry] })
  readonly linkEvents = new Counter({ name: 'pulseline_gateway_link_events_total', help: 'Device link state changes', labelNames: ['state'] as const, registers: [this.registry] })
  readonly adapterFull = new Counter({ name: 'pulseline_gateway_adapter_full_total', help: 'Devices not connected because every adapter that sees them is at its connection limit', registers: [this.registry] })
  readonly droppedMessages = new Counter({ name: 'pulseline_gateway_dropped_messages_total', help: 'Device lists and claims from the broker that were not of their declared shape (PL_MESSAGE_INVALID), by kind and reason', labelNames: ['kind', 'reason'] as const, registers: [this.registry] })
  readonly skippedClaimed = new Counter({ name: 'pulseline_gateway_claimed_elsewhere_total', help: 'Devices left to another gateway that claimed them', registers: [this.registry] })

  constructor(read: { outboxDepth: () => number; dropped: () => number; connected: () => number }) {
    const gauge = (name: string, help: string, value: () => number) => gaugeFrom(this.registry, name, help, value)
    gauge('pulseline_gateway_outbox_samples', 'Samples waiting in the outbox', read.outboxDepth)
    gauge('pulseline_gateway_outbox_dropped_samples', 'Samples dropped because the outbox was full', read.dropped)
    gauge('pulseline_gateway_connected_devices', 'Devices connected now', read.connected)
  }
}
