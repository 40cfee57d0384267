/** Bluetooth base UUIDs (Core Spec Vol 3 Part B §2.5.1): 0000xxxx-0000-1000-8000-00805f9b34fb. */
export function fullUuid(short: number): string {
  return `0000${short.toString(16).padStart(4, '0')}-0000-1000-8000-00805f9b34fb`
}

export const SERVICE = {
  heartRate: 0x180d,
  battery: 0x180f,
  fitnessMachine: 0x1826,
  runningSpeedCadence: 0x1814,
  cyclingSpeedCadence: 0x1816,
  cyclingPower: 0x1818,
} as const
