import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InfluxClient, InfluxWriteError, parseRetryAfter, rowsOf } from '@pulseline/influx'
import { sampleToLines, seriesTags } from '@pulseline/protocol'
import { freshDatabase } from '../../test/setup/influx.js'

describe('InfluxClient against a real influxd', () => {
  let client: InfluxClient
  beforeAll(async () => {
    client = await freshDatabase('client')
  })
  afterAll(() => client.close())

  it('writes line protocol in ms precision and reads it back', async () => {
    await client.write('hr,device=d1,gym=g bpm=61i 1700000000000\nhr,device=d1,gym=g bpm=62i 1700000001000\n')
    const rows = rowsOf(await client.query('SELECT bpm FROM hr WHERE device = $d', { d: 'd1' }))
    expect(rows).toEqual([
      { time: 1700000000000, bpm: 61 },
      { time: 1700000001000, bpm: 62 },
    ])
  })

  it('overwrites a point with the same series and timestamp (replays are idempotent)', async () => {
    await client.write('hr,device=d2,gym=g bpm=70i 1700000000000\n')
    await client.write('hr,device=d2,gym=g bpm=70i 1700000000000\n')
    const rows = rowsOf(await client.query('SELECT count(bpm) FROM hr WHERE device = $d', { d: 'd2' }))
    expect(rows[0]!.count).toBe(1)
  })

  it('an injected device id stays one tag value and cannot add a tag or a line', async () => {
    const evil = 'a,b=c d'
    await client.write(sampleToLines({ kind: 'hr', t: 1700000000000, bpm: 99 }, seriesTags(evil, 'g')))
    const rows = rowsOf(await client.query('SELECT bpm, device FROM hr WHERE device = $d', { d: evil }))
    expect(rows).toEqual([{ time: 1700000000000, bpm: 99, device: evil }])
    const keys = rowsOf(await client.query('SHOW TAG KEYS FROM hr')).map((r) => r.tagKey)
    expect(keys.sort()).toEqual(['device', 'gym'])
  })

  it('classifies a field type conflict as a drop, with the dropped count', async () => {
    await client.write('m,device=x v=1i 1700000000000\n')
    const err = await client.write('m,device=x v="text" 1700000001000\nm,device=x v=2i 1700000002000\n').catch((e) => e)
    expect(err).toBeInstanceOf(InfluxWriteError)
    expect(err.kind).toBe('drop')
    expect(err.code).toBe('PL_INFLUX_BAD_REQUEST')
    expect(err.droppedPoints).toBe(1)
    // the good point of the partial write is stored
    expect(rowsOf(await client.query('SELECT count(v) FROM m'))[0]!.count).toBe(2)
  })

  it('reports a refused connection as retryable', async () => {
    const dead = new InfluxClient({ url: 'http://127.0.0.1:1', database: 'x', timeoutMs: 2000 })
    const err = await dead.write('m v=1 1\n').catch((e) => e)
    expect(err.kind).toBe('retry')
    expect(await dead.ping()).toBe(false)
    await dead.close()
  })

  it('gzips bodies above the threshold and influxd accepts them', async () => {
    const zipped = new InfluxClient({ url: client.options.url, database: client.options.database, gzipMinBytes: 1 })
    const body = Array.from({ length: 500 }, (_, i) => `gz,device=z v=${i}i ${1700000000000 + i}`).join('\n')
    await zipped.write(body)
    expect(rowsOf(await zipped.query('SELECT count(v) FROM gz'))[0]!.count).toBe(500)
    await zipped.close()
  })

  it('surfaces InfluxQL errors with a code', async () => {
    await expect(client.query('SELECT FROM')).rejects.toMatchObject({ code: 'PL_INFLUX_QUERY' })
  })
})

describe('write failure classification (statuses influxd 1.6 cannot be made to send)', () => {
  let server: Server
  let client: InfluxClient
  const replies: Array<{ status: number; headers?: Record<string, string>; body?: string }> = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume()
      const reply = replies.shift() ?? { status: 204 }
      res.writeHead(reply.status, reply.headers).end(reply.body ?? '')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    client = new InfluxClient({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, database: 'x' })
  })
  afterAll(async () => {
    await client.close()
    server.close()
  })

  it.each([
    [413, {}, 'split', undefined],
    [429, { 'retry-after': '3' }, 'retry', 3000],
    [503, { 'retry-after': '1' }, 'retry', 1000],
    [500, {}, 'retry', undefined],
    [401, {}, 'retry', undefined],
    [404, {}, 'retry', undefined],
  ])('HTTP %i is %s', async (status, headers, kind, retryAfterMs) => {
    replies.push({ status, headers, body: '{"error":"x"}' })
    const err = await client.write('m v=1 1\n').catch((e) => e)
    expect(err.kind).toBe(kind)
    expect(err.retryAfterMs).toBe(retryAfterMs)
    expect(err.status).toBe(status)
  })

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
  })
})
