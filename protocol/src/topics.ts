/**
 * The MQTT topic scheme. Every topic starts with the gym, so one subscription (`pulseline/{gym}/#`) scopes
 * a consumer to one gym, and analytics can partition by gym (ARCHITECTURE.md "Scale-out").
 *
 *   pulseline/{gym}/device/{device}/samples    device → broker: a v1 envelope of samples
 *   pulseline/{gym}/member/{member}/{stream}   analytics → consumers: derived live data (zones, effort, ...)
 *   pulseline/{gym}/gateway/{gateway}/claims   a BLE gateway's claim on the devices it reads (retained)
 *   pulseline/{gym}/gateway/{gateway}/nearby   devices a gateway sees, for pairing
 *   pulseline/{gym}/gateway/{gateway}/health   a gateway's outbox and links (ingest stores it as pipeline metrics)
 *   pulseline/{gym}/devices                    the gym's registered BLE devices (address → id), retained, published
 *                                              by ingest from the registry: what gateways read
 *   pulseline/{gym}/erasures                   device intervals of erased members (ids and times only), retained,
 *                                              published by ingest: what gateways purge from their outboxes
 *   $pulseline/rejected/{device}               where ingest moves a rejected publish, so that no wildcard
 *                                              subscriber receives it ([MQTT-4.7.2-1]: `#` and `+` never
 *                                              match a topic that starts with `$`)
 */

export const TOPIC_ROOT = 'pulseline'
export const REJECTED_ROOT = '$pulseline/rejected'

/**
 * Ids of gyms, devices and members. A BLE address (`AA:BB:CC:DD:EE:FF`) or a serial number fits. Ids are
 * MQTT topic levels and InfluxDB tag values, so `/`, `+`, `#`, spaces, commas and quotes are excluded.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id)
}

export function deviceSamplesTopic(gym: string, device: string): string {
  return `${TOPIC_ROOT}/${gym}/device/${device}/samples`
}

export function memberTopic(gym: string, member: string, stream: string): string {
  return `${TOPIC_ROOT}/${gym}/member/${member}/${stream}`
}

export function gatewayTopicPrefix(gym: string, gateway: string): string {
  return `${TOPIC_ROOT}/${gym}/gateway/${gateway}`
}

export function gatewayHealthTopic(gym: string, gateway: string): string {
  return `${gatewayTopicPrefix(gym, gateway)}/health`
}

export function gymDevicesTopic(gym: string): string {
  return `${TOPIC_ROOT}/${gym}/devices`
}

export function gymErasuresTopic(gym: string): string {
  return `${TOPIC_ROOT}/${gym}/erasures`
}

export function rejectedTopic(device: string): string {
  return `${REJECTED_ROOT}/${device}`
}

/** Subscription filter for every device's samples, in one gym or (with `+`) in all gyms. */
export function allDeviceSamplesFilter(gym = '+'): string {
  return `${TOPIC_ROOT}/${gym}/device/+/samples`
}

export interface DeviceTopic {
  gym: string
  device: string
}

/** Parses a device samples topic; returns null for anything else, including ids outside ID_PATTERN. */
export function parseDeviceSamplesTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/')
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT || parts[2] !== 'device' || parts[4] !== 'samples') return null
  const gym = parts[1]!
  const device = parts[3]!
  if (!isValidId(gym) || !isValidId(device)) return null
  return { gym, device }
}
