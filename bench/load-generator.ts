/**
 * The benchmark's MQTT load generator, run as its own process so it does not share an event loop with
 * the broker under test. Each connection keeps `window` QoS 1 PUBLISHes in flight and sends the next on
 * every PUBACK. Packets are encoded with mqtt-packet before the clock starts, so the generator spends its
 * CPU on sockets, not on JSON.
 *
 * Input (argv[2], JSON): GeneratorJob. Output (IPC): GeneratorResult.
 */
import { connect, type Socket } from 'node:net'
import mqttPacket from 'mqtt-packet'
import { deviceSamplesTopic, encodePayload, type Sample } from '@pulseline/protocol'

export interface GeneratorJob {
  port: number
  gym: string
  devices: Array<{ id: string; secret: string }>
  messagesPerDevice: number
  samplesPerMessage: number
  window: number
  /** First sample timestamp; device i's k-th sample is at startT + k ms (unique per device). */
  startT: number
}

export interface GeneratorResult {
  acked: number
  samples: number
  firstSendAt: number
  lastAckAt: number
}

function packets(job: GeneratorJob, device: string): Buffer[] {
  const topic = deviceSamplesTopic(job.gym, device)
  const out: Buffer[] = []
  let k = 0
  for (let m = 0; m < job.messagesPerDevice; m++) {
    const samples: Sample[] = []
    for (let s = 0; s < job.samplesPerMessage; s++) samples.push({ kind: 'hr', t: job.startT + k++, bpm: 60 + (k % 120) })
    out.push(mqttPacket.generate({ cmd: 'publish', topic, payload: encodePayload(samples), qos: 1, messageId: (m % 65535) + 1, retain: false, dup: false }))
  }
  return out
}

async function runDevice(job: GeneratorJob, device: { id: string; secret: string }, result: GeneratorResult, ready: Promise<void>, connected: () => void): Promise<void> {
  const queue = packets(job, device.id)
  const socket: Socket = connect(job.port, '127.0.0.1')
  socket.setNoDelay(true)
  const parser = mqttPacket.parser()
  let next = 0
  let inflight = 0
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack') {
        if (packet.returnCode !== 0) return reject(new Error(`CONNACK ${packet.returnCode} for ${device.id}`))
        connected()
        ready.then(() => {
          result.firstSendAt ||= performance.now()
          pump()
        })
      } else if (packet.cmd === 'puback') {
        inflight--
        result.acked++
        result.samples += job.samplesPerMessage
        if (next === queue.length && inflight === 0) {
          result.lastAckAt = performance.now()
          socket.end()
          resolve()
        } else pump()
      }
    })
    socket.on('data', (chunk) => parser.parse(chunk))
    socket.write(mqttPacket.generate({ cmd: 'connect', clientId: `${device.id}@bench`, username: device.id, password: Buffer.from(device.secret), clean: true, keepalive: 60, protocolId: 'MQTT', protocolVersion: 4 }))
    function pump() {
      socket.cork()
      while (inflight < job.window && next < queue.length) {
        socket.write(queue[next++]!)
        inflight++
      }
      process.nextTick(() => socket.uncork())
    }
  })
}

const job = JSON.parse(process.argv[2]!) as GeneratorJob
const result: GeneratorResult = { acked: 0, samples: 0, firstSendAt: 0, lastAckAt: 0 }
let release!: () => void
const ready = new Promise<void>((r) => (release = r))
// Devices connect in waves of 50, as a gym's devices reconnecting after an outage get spread out by ingest's
// limit on logins being checked at once (mqtt.maxPendingLogins, 64); all are connected before the clock starts.
const runs: Array<Promise<void>> = []
for (let i = 0; i < job.devices.length; i += 50) {
  const wave = job.devices.slice(i, i + 50).map((d) => {
    let connected!: () => void
    const up = new Promise<void>((r) => (connected = r))
    const run = runDevice(job, d, result, ready, connected)
    return { up, run }
  })
  runs.push(...wave.map((w) => w.run))
  await Promise.race([Promise.all(wave.map((w) => w.up)), Promise.all(wave.map((w) => w.run))])
}
process.send!({ connected: true })
process.once('message', () => release())
try {
  await Promise.all(runs)
  process.send!({ result })
} catch (err) {
  process.send!({ error: (err as Error).message })
}
process.disconnect()
