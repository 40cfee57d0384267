/**
 * The sensor-to-screen benchmark's straps, in a process of their own so that the process measuring the
 * frames (bench/dashboard.ts) does not also carry 2,000 MQTT clients: its event-loop delay would be in every
 * figure. Each strap publishes one HR sample a second at QoS 1, spread over the second (200 slots of 5 ms:
 * straps are not in step; bursts of 100 every 50 ms measured queueing that real straps do not cause). The
 * sample's time is its publish time.
 *
 * A strap is a socket and mqtt-packet, as in the load generator, not an MQTT.js client: on the same two
 * cores as what it measures, 2,000 MQTT.js clients took 0.19 of a core (95 µs a message), and every
 * microsecond of it was in the latency measured.
 *
 * Input (argv[2], JSON): { mqttUrl, devices, perGym }. Sends 'connected' over IPC once every strap is
 * connected, then publishes until the parent disconnects.
 */
import { connect, type Socket } from 'node:net'
import mqttPacket from 'mqtt-packet'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'

const { mqttUrl, devices, perGym } = JSON.parse(process.argv[2]!) as { mqttUrl: string; devices: number; perGym: number }
const { hostname, port } = new URL(mqttUrl)

/** Connects strap `n`; resolves with its socket once the CONNACK has come. */
function strap(n: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    socket.setNoDelay(true)
    const parser = mqttPacket.parser()
    parser.on('packet', (packet) => {
      if (packet.cmd !== 'connack') return // PUBACKs: nothing to do, nothing is resent
      if (packet.returnCode !== 0) reject(new Error(`CONNACK ${packet.returnCode} for s-${n}`))
      else resolve(socket)
    })
    socket.on('data', (chunk) => parser.parse(chunk))
    socket.once('error', reject)
    socket.write(mqttPacket.generate({ cmd: 'connect', clientId: `s-${n}`, username: `s-${n}`, password: Buffer.from('bench-device'), clean: true, keepalive: 60, protocolId: 'MQTT', protocolVersion: 4 }))
  })
}

const sockets: Socket[] = []
// In waves of 50: ingest checks at most 64 logins at once (mqtt.maxPendingLogins) and refuses the rest.
for (let n = 0; n < devices; n += 50) sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, devices - n) }, (_, i) => strap(n + i)))))
const topics = sockets.map((_, n) => deviceSamplesTopic(`gym-${Math.floor(n / perGym)}`, `s-${n}`))
let beat = 0
let messageId = 0
/**
 * Strap n's heart rate in second s: up and down between 110 and 150 bpm, 1 bpm a second, each strap at its own
 * phase, as in a steady class. (It once jumped 20 bpm a second; the learned model rightly flagged every strap
 * at once, 2,000 anomalies in two ticks, and that burst, not the steady load, set the sensor-to-screen p99.)
 */
function heartRate(n: number, s: number): number {
  const k = (s + n) % 80
  return 110 + (k < 40 ? k : 80 - k)
}
const publisher = setInterval(() => {
  const slot = beat++ % 200
  const second = Math.floor(beat / 200)
  for (let n = slot; n < devices; n += 200) {
    const payload = encodePayload([{ kind: 'hr', t: Date.now(), bpm: heartRate(n, second) }])
    messageId = (messageId % 65535) + 1
    sockets[n]!.write(mqttPacket.generate({ cmd: 'publish', topic: topics[n]!, payload, qos: 1, messageId, retain: false, dup: false }))
  }
}, 5)
process.send!('connected')
process.once('disconnect', () => {
  clearInterval(publisher)
  for (const socket of sockets) socket.end(mqttPacket.generate({ cmd: 'disconnect' }))
  process.exit(0)
})
