/**
 * The sensor-to-screen benchmark's straps, in a process of their own so that the process measuring the
 * frames (bench/dashboard.ts) does not also carry 2,000 MQTT clients: its event-loop delay would be in every
 * figure. Each strap publishes one HR sample a second, spread over the second (200 slots of 5 ms: straps
 * are not in step; bursts of 100 every 50 ms measured queueing that real straps do not cause). The sample's
 * time is its publish time.
 *
 * Input (argv[2], JSON): { mqttUrl, devices, perGym }. Sends 'connected' over IPC once every strap is
 * connected, then publishes until the parent disconnects.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'

const { mqttUrl, devices, perGym } = JSON.parse(process.argv[2]!) as { mqttUrl: string; devices: number; perGym: number }
const clients: MqttClient[] = []
// In waves of 50: ingest checks at most 64 logins at once (mqtt.maxPendingLogins) and refuses the rest.
for (let n = 0; n < devices; n += 50)
  clients.push(...(await Promise.all(Array.from({ length: Math.min(50, devices - n) }, (_, i) => mqtt.connectAsync(mqttUrl, { username: `s-${n + i}`, password: 'bench-device', clientId: `s-${n + i}`, reconnectPeriod: 0 })))))
let beat = 0
const publisher = setInterval(() => {
  const slot = beat++ % 200
  for (let n = slot; n < devices; n += 200) {
    const gym = `gym-${Math.floor(n / perGym)}`
    clients[n]!.publish(deviceSamplesTopic(gym, `s-${n}`), encodePayload([{ kind: 'hr', t: Date.now(), bpm: 110 + ((Math.floor(beat / 10) + n) % 40) }]), { qos: 1 })
  }
}, 5)
process.send!('connected')
process.once('disconnect', () => {
  clearInterval(publisher)
  void Promise.all(clients.map((c) => c.endAsync(true))).then(() => process.exit(0))
})
