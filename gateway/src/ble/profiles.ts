/** The GATT services the gateway reads, and the characteristic it subscribes to in each. */
export const SERVICES: Record<number, { name: string; characteristics: number[] }> = {
  0x180d: { name: 'Heart Rate', characteristics: [0x2a37] },
  0x180f: { name: 'Battery', characteristics: [0x2a19] },
  0x1826: { name: 'Fitness Machine', characteristics: [0x2ad2, 0x2acd, 0x2ad1, 0x2ace] },
  0x1814: { name: 'Running Speed and Cadence', characteristics: [0x2a53] },
  0x1816: { name: 'Cycling Speed and Cadence', characteristics: [0x2a5b] },
  0x1818: { name: 'Cycling Power', characteristics: [0x2a63] },
}

/** Services that make a device worth connecting to (battery alone does not). */
export const DATA_SERVICES = [0x180d, 0x1826, 0x1814, 0x1816, 0x1818]

export function fullUuid(short: number): string {
  return `0000${short.toString(16).padStart(4, '0')}-0000-1000-8000-00805f9b34fb`
}
