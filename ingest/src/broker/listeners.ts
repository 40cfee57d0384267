/**
 * The broker's listeners: MQTT over TCP, over WebSocket and (optionally) over TLS. Every connection passes through the
 * PacketSizeGuard before Aedes sees a byte of it.
 */
import { createServer as createTcpServer, type Server as TcpServer, type AddressInfo, type Socket } from 'node:net'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import { readFileSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import type { Aedes } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { PacketSizeGuard, type OversizePacket } from './packet-size-guard.js'

export interface ListenerOptions {
  host: string
  port: number
  wsPort: number
  wsEnabled: boolean
  maxPacketBytes: number
  noDelay: boolean
  /** -1 turns the TLS listener off. */
  tlsPort: number
  tlsHost: string
  tlsCertFile: string
  tlsKeyFile: string
}

export interface Listeners {
  port: number
  wsPort: number | undefined
  tlsPort: number | undefined
  close(): Promise<void>
}

export async function listen(
  broker: Aedes,
  options: ListenerOptions,
  /** Whether a new connection from this address may go on to the broker; a refused one is closed at once. */
  admit: (remote: string | undefined) => Promise<boolean>,
  onOversize: (info: OversizePacket & { remote: string | undefined }) => void,
): Promise<Listeners> {
  const guard = (stream: Duplex, remote: string | undefined) =>
    new PacketSizeGuard(stream, options.maxPacketBytes, (info) => onOversize({ ...info, remote }), remote)
  const handleSocket = (socket: Socket) => {
    socket.setNoDelay(options.noDelay)
    socket.on('error', () => socket.destroy())
    // Until admitted nothing reads the socket: what the client sends waits in the kernel.
    void admit(socket.remoteAddress).then((ok) => (ok && !socket.destroyed ? broker.handle(guard(socket, socket.remoteAddress), undefined) : socket.destroy()))
  }

  const tcp: TcpServer = createTcpServer(handleSocket)
  await listenOn(tcp, options.port, options.host)

  let http: HttpServer | undefined
  let wss: WebSocketServer | undefined
  if (options.wsEnabled) {
    http = createHttpServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'))
    // maxPayload bounds one WebSocket frame the same way the guard bounds one MQTT packet.
    wss = new WebSocketServer({ server: http, maxPayload: options.maxPacketBytes + 16 })
    wss.on('connection', (ws, req: IncomingMessage) => {
      req.socket.setNoDelay(options.noDelay)
      const stream = createWebSocketStream(ws)
      stream.on('error', () => stream.destroy())
      void admit(req.socket.remoteAddress).then((ok) => (ok && !stream.destroyed ? broker.handle(guard(stream, req.socket.remoteAddress), req) : ws.terminate()))
    })
    await listenOn(http, options.wsPort, options.host)
  }

  let tls: TlsServer | undefined
  if (options.tlsPort >= 0) {
    // Devices on a gym's LAN or beyond it: the same broker, behind TLS.
    tls = createTlsServer({ cert: readFileSync(options.tlsCertFile), key: readFileSync(options.tlsKeyFile) }, handleSocket)
    await listenOn(tls, options.tlsPort, options.tlsHost)
  }

  return {
    port: (tcp.address() as AddressInfo).port,
    wsPort: http ? (http.address() as AddressInfo).port : undefined,
    tlsPort: tls ? (tls.address() as AddressInfo).port : undefined,
    async close() {
      for (const client of wss?.clients ?? []) client.terminate()
      await Promise.all([closeServer(tcp), http ? closeServer(http) : undefined, tls ? closeServer(tls) : undefined])
    },
  }
}

function listenOn(server: TcpServer | HttpServer | TlsServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function closeServer(server: TcpServer | HttpServer | TlsServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
