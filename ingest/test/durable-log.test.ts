import { spawn } from 'node:child_process'
import { appendFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DurableLog, type DurableLogOptions } from '../src/log/durable-log.js'

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-log-'))
  dirs.push(dir)
  return dir
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

const defaults = (dir: string, over: Partial<DurableLogOptions> = {}): DurableLogOptions => ({
  dir,
  segmentBytes: 1 << 20,
  maxBytes: 64 << 20,
  maxPendingBytes: 8 << 20,
  maxRecordBytes: 1 << 20,
  whenFull: 'refuse',
  ...over,
})

/** A line of line protocol's shape, `width` bytes long with its newline. */
const line = (i: number, width = 9) => `line-${String(i).padStart(3, '0')}\n`.padStart(width, '.')

async function readAll(log: DurableLog, from = log.committedOffset): Promise<string[]> {
  const out: string[] = []
  let offset = from
  for (;;) {
    const { records, next } = await log.read(offset, 4096)
    if (records.length === 0) return out
    out.push(...records.map((r) => r.toString()))
    offset = next
  }
}

describe('DurableLog', () => {
  it('reads back what was appended, in order', async () => {
    const log = await DurableLog.open(defaults(await tempDir()))
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(Buffer.from(`r${i}`))))
    expect(await readAll(log)).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`))
    await log.close()
  })

  it('group-commits appends made in the same turn into one flush', async () => {
    const log = await DurableLog.open(defaults(await tempDir()))
    await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(Buffer.from(`r${i}`))))
    expect(log.stats.flushes).toBe(1)
    expect(log.stats.appendedRecords).toBe(500)
    await log.close()
  })

  it('joins the appends of one flush into records of about joinBytes, one larger than that alone', async () => {
    const log = await DurableLog.open(defaults(await tempDir(), { joinBytes: 100 }))
    const big = `${'x'.repeat(299)}\n`
    const payloads = [...Array.from({ length: 22 }, (_, i) => line(i)), big, ...Array.from({ length: 22 }, (_, i) => line(100 + i))]
    const acknowledged = await Promise.all(payloads.map((p) => log.append(Buffer.from(p))))
    expect(acknowledged).toHaveLength(45)
    expect(log.stats.flushes).toBe(1)
    expect(log.stats.appendedRecords).toBe(45)
    const records = await readAll(log)
    // 11 lines of 9 bytes fit in 100: 11 + 11, the big one alone, 11 + 11.
    expect(records.map((r) => r.length)).toEqual([99, 99, 300, 99, 99])
    expect(records.join('')).toBe(payloads.join(''))
    await log.close()
  })

  it.each([0, 64])('copies an append before it returns: the caller may overwrite its bytes at once (joinBytes %i)', async (joinBytes) => {
    const log = await DurableLog.open(defaults(await tempDir(), { joinBytes }))
    const scratch = Buffer.alloc(9) // as ingest reuses one buffer for every message's lines
    const payloads = Array.from({ length: 30 }, (_, i) => line(i))
    const acks: Array<Promise<void>> = []
    for (const p of payloads) {
      scratch.write(p)
      acks.push(log.append(scratch))
    }
    scratch.fill(0)
    await Promise.all(acks)
    expect((await readAll(log)).join('')).toBe(payloads.join(''))
    await log.close()
  })

  it('reads back, over flushes of any sizes, every append in order, in records no larger than joinBytes unless alone', async () => {
    // A turn either waits for its flush or not: the next turn's appends then fill a buffer while the last
    // flush's is being written (flushes take turns with their buffers), and sizes from 1 byte to ~60 KiB
    // make buffers grow and, after a large flush, be let go.
    const turns = fc.array(fc.record({ sizes: fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }), wait: fc.boolean() }), { minLength: 1, maxLength: 8 })
    await fc.assert(
      fc.asyncProperty(turns, fc.integer({ min: 16, max: 200 }), async (flushes, joinBytes) => {
        const dir = await tempDir()
        let log = await DurableLog.open(defaults(dir, { joinBytes }))
        const appended: string[] = []
        const acks: Array<Promise<void>> = []
        for (const { sizes, wait } of flushes) {
          // Each inner array is one turn's appends: one flush, or the one after the flush in progress.
          const turn = sizes.map((size, i) => `${String.fromCharCode(97 + ((appended.length + i) % 26)).repeat(size - 1)}\n`)
          appended.push(...turn)
          const acked = Promise.all(turn.map((p) => log.append(Buffer.from(p))))
          acks.push(acked.then(() => undefined))
          if (wait) await acked
          else await new Promise((resolve) => setImmediate(resolve)) // the flush has started its write
        }
        await Promise.all(acks)
        await log.close()
        log = await DurableLog.open(defaults(dir, { joinBytes })) // what recovery reads, not the process' memory
        expect(log.stats.truncatedBytes).toBe(0)
        const records = await readAll(log)
        expect(records.join('')).toBe(appended.join(''))
        for (const r of records) if (r.length > joinBytes) expect(appended).toContain(r) // only one append alone may pass it
        expect(records.length).toBeLessThanOrEqual(appended.length)
        await log.close()
      }),
      { numRuns: 60 },
    )
  })

  it('never joins past maxRecordBytes, so a reopened log reads every joined record back', async () => {
    const dir = await tempDir()
    let log = await DurableLog.open(defaults(dir, { joinBytes: 1 << 20, maxRecordBytes: 1000 }))
    const payloads = Array.from({ length: 100 }, (_, i) => line(i, 50))
    await Promise.all(payloads.map((p) => log.append(Buffer.from(p))))
    await log.close()
    log = await DurableLog.open(defaults(dir, { joinBytes: 1 << 20, maxRecordBytes: 1000 }))
    expect(log.stats.truncatedBytes).toBe(0)
    const records = await readAll(log)
    // 100 payloads of 50 bytes: 20 fit in 1,000 bytes, so five records.
    expect(records.map((r) => r.length)).toEqual([1000, 1000, 1000, 1000, 1000])
    expect(records.join('')).toBe(payloads.join(''))
    await log.close()
  })

  it('returns a record larger than the read size whole', async () => {
    const log = await DurableLog.open(defaults(await tempDir()))
    const big = Buffer.alloc(100_000, 7)
    await log.append(big)
    await log.append(Buffer.from('after'))
    const first = await log.read(0, 1024)
    expect(first.records).toHaveLength(1)
    expect(first.records[0]!.equals(big)).toBe(true)
    expect((await log.read(first.next, 1024)).records[0]!.toString()).toBe('after')
    await log.close()
  })

  it('rolls segments and deletes those the consumer has committed past', async () => {
    const dir = await tempDir()
    const log = await DurableLog.open(defaults(dir, { segmentBytes: 1000 }))
    for (let i = 0; i < 20; i++) await log.append(Buffer.alloc(200, i))
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg')).length).toBeGreaterThan(3)
    await log.commit(log.end)
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg'))).toHaveLength(1)
    expect(log.backlogBytes).toBe(0)
    await log.close()
  })

  it('keeps the committed offset across a reopen and resumes after it', async () => {
    const dir = await tempDir()
    let log = await DurableLog.open(defaults(dir))
    for (const r of ['a', 'b', 'c']) await log.append(Buffer.from(r))
    const first = await log.read(0, 13) // exactly one 9-byte record fits
    expect(first.records.map(String)).toEqual(['a'])
    await log.commit(first.next)
    await log.close()
    log = await DurableLog.open(defaults(dir))
    expect(await readAll(log)).toEqual(['b', 'c'])
    await log.close()
  })

  it('truncates a torn or garbage tail at start-up and keeps every whole record', async () => {
    const dir = await tempDir()
    let log = await DurableLog.open(defaults(dir))
    for (const r of ['one', 'two']) await log.append(Buffer.from(r))
    await log.close()
    const seg = join(dir, (await readdir(dir)).find((n) => n.endsWith('.seg'))!)
    const before = (await stat(seg)).size
    await appendFile(seg, Buffer.from([5, 0, 0, 0, 1, 2, 3, 4, 0x61])) // header claims 5 bytes, 1 present
    log = await DurableLog.open(defaults(dir))
    expect(log.stats.truncatedBytes).toBe(9)
    expect((await stat(seg)).size).toBe(before)
    expect(await readAll(log)).toEqual(['one', 'two'])
    await log.append(Buffer.from('three'))
    expect(await readAll(log)).toEqual(['one', 'two', 'three'])
    await log.close()
  })

  it('refuses appends past maxBytes with PL_LOG_FULL and counts them', async () => {
    const log = await DurableLog.open(defaults(await tempDir(), { maxBytes: 100 }))
    await log.append(Buffer.alloc(50))
    await expect(log.append(Buffer.alloc(50))).rejects.toMatchObject({ code: 'PL_LOG_FULL' })
    expect(log.stats.refusedRecords).toBe(1)
    await log.close()
  })

  it('drops the oldest segments, counted, when configured to', async () => {
    const log = await DurableLog.open(defaults(await tempDir(), { whenFull: 'drop-oldest', segmentBytes: 500, maxBytes: 2000 }))
    for (let i = 0; i < 40; i++) await log.append(Buffer.alloc(100, i))
    expect(log.diskBytes).toBeLessThanOrEqual(2000 + 500)
    expect(log.stats.droppedBytes).toBeGreaterThan(0)
    const left = await readAll(log, 0)
    expect(left.at(-1)!.charCodeAt(0)).toBe(39)
    await log.close()
  })

  it.each([0, 4096])('loses no acknowledged record when the writing process is killed with SIGKILL (joinBytes %i)', async (joinBytes) => {
    const dir = await tempDir()
    const script = `
      import { DurableLog } from ${JSON.stringify(new URL('../src/log/durable-log.ts', import.meta.url).pathname)}
      const log = await DurableLog.open({ dir: ${JSON.stringify(dir)}, segmentBytes: 65536, maxBytes: 1e9, maxPendingBytes: 1e8, maxRecordBytes: 1e6, whenFull: 'refuse', joinBytes: ${joinBytes} })
      let i = 0
      for (;;) {
        const batch = []
        for (let k = 0; k < 50; k++) { const n = i++; batch.push(log.append(Buffer.from('rec' + n + '\\n')).then(() => process.stdout.write(n + '\\n'))) }
        await Promise.race(batch)
      }`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const acked = new Set<number>()
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const l of lines) acked.add(Number(l))
    })
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (acked.size > 20_000) {
          clearInterval(timer)
          resolve()
        }
      }, 20)
    })
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const log = await DurableLog.open(defaults(dir))
    const stored = new Set(
      (await readAll(log, 0))
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((r) => Number(r.slice(3))),
    )
    expect(stored.size).toBeGreaterThanOrEqual(acked.size)
    const missing = [...acked].filter((n) => !stored.has(n))
    expect(missing).toEqual([])
    await log.close()
  }, 60_000)
})
