/**
 * Enforces a maximum MQTT packet size before the packet is buffered. Aedes 1.x has no such limit and
 * mqtt-packet accumulates a packet until it is complete, so without this a client could make the broker
 * hold a 256 MB packet (the protocol maximum) per connection.
 *
 * The guard sits between the socket and Aedes and reads only fixed headers (MQTT 3.1.1 §2.2: one type
 * byte, then the Remaining Length as a variable-length integer of 1–4 bytes, §2.2.3); packet bodies are
 * skipped without being looked at. A packet whose total size exceeds the limit closes the connection.
 */
import { Duplex } from 'node:stream'
import { TurnCork } from './turn-cork.js'

export interface OversizePacket {
  declaredBytes: number
  limitBytes: number
}

export class PacketSizeGuard extends Duplex {
  private headerState: 'type' | 'length' = 'type'
  private lengthValue = 0
  private lengthMultiplier = 1
  private lengthBytes = 0
  private bodyLeft = 0
  private readonly turn: TurnCork

  constructor(
    private readonly inner: Duplex,
    private readonly maxPacketBytes: number,
    private readonly onOversize: (info: OversizePacket) => void,
    /** The peer's address, where Aedes' hooks look for it (`client.conn.remoteAddress`), on every transport. */
    readonly remoteAddress?: string,
  ) {
    super({ allowHalfOpen: false })
    this.turn = new TurnCork(inner)
    inner.on('data', (chunk: Buffer) => {
      if (!this.scan(chunk)) return
      if (!this.push(chunk)) inner.pause()
    })
    inner.on('end', () => this.push(null))
    inner.on('error', (err) => this.destroy(err))
    inner.on('close', () => this.destroy())
  }

  override _read(): void {
    this.inner.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.turn.beforeWrite()
    this.inner.write(chunk, callback)
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.turn.beforeWrite()
    this.inner.cork()
    for (let i = 0; i < chunks.length - 1; i++) this.inner.write(chunks[i]!.chunk)
    this.inner.write(chunks[chunks.length - 1]!.chunk, callback)
    this.inner.uncork()
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(callback)
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy()
    callback(err)
  }

  /** Walks the packet boundaries in `chunk`; false (and the connection destroyed) on an oversize packet. */
  private scan(chunk: Buffer): boolean {
    let i = 0
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const skip = Math.min(this.bodyLeft, chunk.length - i)
        this.bodyLeft -= skip
        i += skip
        continue
      }
      const byte = chunk[i++]!
      if (this.headerState === 'type') {
        this.headerState = 'length'
        this.lengthValue = 0
        this.lengthMultiplier = 1
        this.lengthBytes = 0
        continue
      }
      this.lengthValue += (byte & 0x7f) * this.lengthMultiplier
      this.lengthMultiplier *= 128
      this.lengthBytes++
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return this.reject(Infinity) // malformed: §2.2.3 allows 4 bytes at most
        continue
      }
      const total = 1 + this.lengthBytes + this.lengthValue
      if (total > this.maxPacketBytes) return this.reject(total)
      this.bodyLeft = this.lengthValue
      this.headerState = 'type'
    }
    return true
  }

  private reject(declaredBytes: number): false {
    this.onOversize({ declaredBytes, limitBytes: this.maxPacketBytes })
    this.inner.removeAllListeners('data')
    this.destroy()
    return false
  }
}
