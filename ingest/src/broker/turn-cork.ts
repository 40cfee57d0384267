/**
 * Coalesces a connection's writes within one turn of the event loop. Aedes writes each packet on its own
 * (mqtt-packet corks only until the next tick, and Aedes moves between packets with setImmediate), so a
 * service subscribed to every gym's samples got one writev, and one wake-up, per packet: 7,500 syscalls a
 * second for 2,000 straps (strace). The first write of a turn still goes out at once, so a device's lone
 * PUBACK waits for nothing; the second and later are held (Writable.cork) until the loop's check phase and
 * leave in one writev. Backpressure is unchanged: held bytes count against the socket's buffer, as before.
 */
import type { Duplex } from 'node:stream'

export class TurnCork {
  private writes = 0
  private scheduled = false

  constructor(private readonly socket: Duplex) {}

  /** Call before each write to the socket. */
  beforeWrite(): void {
    if (++this.writes === 2) this.socket.cork()
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.endTurn)
    }
  }

  private readonly endTurn = (): void => {
    if (this.writes >= 2) this.socket.uncork()
    this.writes = 0
    this.scheduled = false
  }
}
