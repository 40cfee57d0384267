/**
 * Writes of one event-loop turn leave together: a lone write goes out at once, the rest of a turn's
 * writes in one writev at the turn's end, in order, and nothing is held past it.
 */
import { describe, expect, it } from 'vitest'
import { Writable } from 'node:stream'
import fc from 'fast-check'
import { TurnCork } from '../src/broker/turn-cork.js'

/** A socket's edge: records each syscall-sized write (one chunk, or a writev of several). */
function recordingSocket() {
  const calls: string[][] = []
  const socket = new Writable({
    write(chunk: Buffer, _enc, cb) {
      calls.push([chunk.toString()])
      cb()
    },
    writev(chunks, cb) {
      calls.push(chunks.map((c) => (c.chunk as Buffer).toString()))
      cb()
    },
  })
  return { socket, calls }
}

const turnEnd = () => new Promise<void>((r) => setImmediate(r))

describe('TurnCork', () => {
  it('sends a lone write at once, without waiting for the turn to end', () => {
    const { socket, calls } = recordingSocket()
    const turn = new TurnCork(socket as never)
    turn.beforeWrite()
    socket.write('puback')
    expect(calls).toEqual([['puback']])
  })

  it("sends the rest of a turn's writes in one writev when the turn ends, in order", async () => {
    const { socket, calls } = recordingSocket()
    const turn = new TurnCork(socket as never)
    for (const p of ['a', 'b', 'c', 'd']) {
      turn.beforeWrite()
      socket.write(p)
    }
    expect(calls).toEqual([['a']])
    await turnEnd()
    expect(calls).toEqual([['a'], ['b', 'c', 'd']])
    turn.beforeWrite() // a new turn: its first write goes out at once again
    socket.write('e')
    expect(calls.at(-1)).toEqual(['e'])
  })

  it('any pattern of writes over turns: every write leaves, in order, by the end of its turn, in at most two calls a turn (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 12 }), async (perTurn) => {
        const { socket, calls } = recordingSocket()
        const turn = new TurnCork(socket as never)
        const sent: string[] = []
        for (const [t, writes] of perTurn.entries()) {
          const before = calls.length
          for (let w = 0; w < writes; w++) {
            turn.beforeWrite()
            socket.write(`${t}.${w}`)
            sent.push(`${t}.${w}`)
          }
          await turnEnd()
          expect(calls.flat()).toEqual(sent) // nothing held past its turn
          expect(calls.length - before).toBeLessThanOrEqual(2)
        }
      }),
      { numRuns: 200 },
    )
  })
})
