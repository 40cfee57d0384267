/**
 * Drives hostile MQTT traffic at a broker over real TCP and WebSocket connections, from clients that never
 * log in, clients that log in with bogus secrets, and clients logged in as real identities (so the fuzz
 * reaches the ACL, validation and the durable log, not only the login). Each connection gets a burst of
 * hostile packets and is replaced once the broker closes it or it goes quiet. Bounded in packets and time;
 * traffic goes to 127.0.0.1 only.
 */
import { connect as tcpConnect, type Socket } from 'node:net'
import WebSocket from 'ws'
import { connectPacket, hostilePayloads, hostileStream, publishPacket } from './mqtt-packets.js'

export interface FuzzOptions {
  port: number
  wsPort?: number
  packets: number
  seed: number
  /** Topics worth hitting often (the fuzzing identities' own): hostile payloads then reach validation. */
  knownTopics?: string[]
  /** Identities the fuzz may log in as (never the ones whose data the test counts), with the topic each may publish samples to. */
  identities: Array<{ username: string; password: string; ownTopic?: string }>
  /** Connections open at once. */
  workers?: number
  /** Stop after this long even if packets are left (ms). */
  maxMs?: number
}

export interface FuzzReport {
  packets: number
  bytes: number
  connections: number
  /** Connections the broker ended (it refused the client or its packet) rather than our idle timeout. */
  closedByBroker: number
  /** Connections still talking at LIFETIME_MS (a service identity subscribed to a busy topic, say), cut by us. */
  cutAtLifetime: number
  byMode: Record<string, number>
  seconds: number
}

const IDLE_MS = 150
/**
 * No connection lives longer than this, whatever it hears. A fuzz connection logged in as a service may
 * subscribe to the legitimate devices' topic, and then the broker talks to it every few milliseconds for
 * ever: the idle timer alone never fired, and a CI run hung there for its whole timeout.
 */
const LIFETIME_MS = 2_000
type Mode = 'tcp-anonymous' | 'tcp-bogus-login' | 'tcp-authenticated' | 'tcp-hostile-payloads' | 'ws-anonymous' | 'ws-authenticated'

export async function fuzzBroker(options: FuzzOptions): Promise<FuzzReport> {
  const stream = hostileStream(options.packets, options.seed, options.knownTopics)
  const payloads = hostilePayloads(options.packets, options.seed)
  const report: FuzzReport = { packets: 0, bytes: 0, connections: 0, closedByBroker: 0, cutAtLifetime: 0, byMode: {}, seconds: 0 }
  const started = performance.now()
  const deadline = Date.now() + (options.maxMs ?? 600_000)
  const modes: Mode[] = ['tcp-anonymous', 'tcp-bogus-login', 'tcp-authenticated', 'tcp-hostile-payloads', 'tcp-hostile-payloads', ...(options.wsPort ? (['ws-anonymous', 'ws-authenticated'] as const) : [])]
  let exhausted = false
  const nextBurst = (ownTopic?: string): Buffer[] => {
    const burst: Buffer[] = []
    const size = 1 + (report.connections % 64)
    for (let i = 0; i < size; i++) {
      // Hostile content in well-formed PUBLISHes to the identity's own topic: what a broken device sends.
      const next = ownTopic ? payloads.next() : stream.next()
      if (ownTopic && !next.done) {
        burst.push(publishPacket(ownTopic, next.value, i + 1, i % 2 === 0 ? 1 : 0))
        continue
      }
      if (next.done) {
        exhausted = true
        break
      }
      burst.push(next.value)
    }
    return burst
  }

  const worker = async (w: number) => {
    for (let round = 0; !exhausted && Date.now() < deadline; round++) {
      const mode = modes[(w + round) % modes.length]!
      const who = options.identities[(w + round) % Math.max(1, options.identities.length)]
      const burst = nextBurst(mode === 'tcp-hostile-payloads' ? who?.ownTopic : undefined)
      if (burst.length === 0) return
      report.connections++
      report.byMode[mode] = (report.byMode[mode] ?? 0) + 1
      report.packets += burst.length
      for (const b of burst) report.bytes += b.length
      const login = (mode.endsWith('authenticated') || mode === 'tcp-hostile-payloads') && who ? connectPacket(who.username, who.password, `${who.username}@fuzz-${w}`) : mode === 'tcp-bogus-login' ? connectPacket(`nobody-${w}`, 'wrong') : undefined
      const end = mode.startsWith('ws') ? await viaWebSocket(options.wsPort!, login, burst) : await viaTcp(options.port, login, burst)
      if (end === 'broker') report.closedByBroker++
      if (end === 'lifetime') report.cutAtLifetime++
    }
  }
  await Promise.all(Array.from({ length: options.workers ?? 16 }, (_, w) => worker(w)))
  report.seconds = (performance.now() - started) / 1000
  return report
}

/**
 * A connection's end, as the fuzz sees it: `quiet()` restarts the idle timer on every answer; after IDLE_MS
 * of silence, or LIFETIME_MS in all (answered or not, opened or not), we close it ourselves. Resolves with
 * who ended it.
 */
type End = 'broker' | 'idle' | 'lifetime'

function watchClose(close: () => void, onClosed: (register: () => void) => void, resolve: (end: End) => void): () => void {
  let idle: NodeJS.Timeout | undefined
  let end: End = 'broker'
  const closeNow = (why: End) => () => {
    end = why
    close()
  }
  const lifetime = setTimeout(closeNow('lifetime'), LIFETIME_MS)
  onClosed(() => {
    clearTimeout(idle)
    clearTimeout(lifetime)
    resolve(end)
  })
  return () => {
    clearTimeout(idle)
    idle = setTimeout(closeNow('idle'), IDLE_MS)
  }
}

/** Sends the login (waiting for the CONNACK) then the burst; resolves with who ended the connection. */
function viaTcp(port: number, login: Buffer | undefined, burst: Buffer[]): Promise<End> {
  return new Promise((resolve) => {
    const socket: Socket = tcpConnect(port, '127.0.0.1')
    const quiet = watchClose(() => socket.destroy(), (closed) => socket.on('close', closed), resolve)
    socket.on('error', () => undefined)
    socket.on('data', quiet)
    socket.once('connect', () => {
      if (login) {
        socket.write(login)
        socket.once('data', () => socket.write(Buffer.concat(burst)))
      } else socket.write(Buffer.concat(burst))
      quiet()
    })
  })
}

function viaWebSocket(port: number, login: Buffer | undefined, burst: Buffer[]): Promise<End> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, 'mqtt')
    const quiet = watchClose(() => ws.terminate(), (closed) => ws.on('close', closed), resolve)
    ws.on('error', () => undefined)
    ws.on('message', quiet)
    ws.once('open', () => {
      const send = () => {
        for (const b of burst) if (ws.readyState === WebSocket.OPEN) ws.send(b)
      }
      if (login) {
        ws.send(login)
        ws.once('message', send)
      } else send()
      quiet()
    })
  })
}
