/**
 * The dashboard in a real headless Chromium, on the real stack: simulated devices publish over MQTT to
 * ingest's broker, analytics computes the tiles, the dashboard fans them out over its WebSocket. Checks
 * that the class board shows the simulated members, that tiles change as samples arrive, that a tile's
 * zone is the one analytics published, that a dropout shows on the right tile, that a reconnecting board
 * back-fills the gap, and that login and role scoping hold from the browser's side. Writes the README's
 * two screenshots to docs/ when UPDATE_SCREENSHOTS=1.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import type { Browser, Page } from 'playwright-core'
import type { InfluxClient } from '@pulseline/influx'
import { pointLine } from '@pulseline/protocol'
import { encodeActivity } from '@pulseline/files'
import { planGym, runGym } from '@pulseline/firmware-sim'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { freshDatabase } from '../../test/setup/influx.js'
import { startStack, type Stack } from '../../test/setup/stack.js'
import { launchChromium } from '../../test/setup/browser.js'

const GYM = 'browser-gym'
const MEMBERS = 12
/** This member's strap is driven by the test itself, so that the test can take it off. */
const DROP_STRAP = 'strap-001'
const DROP_MEMBER = 'member-001'
let manualStrap: NodeJS.Timeout
const docs = new URL('../../docs/', import.meta.url).pathname
/** The README's screenshots are tracked files: a test run rewrites them only when asked (UPDATE_SCREENSHOTS=1). */
const shoot = (page: { screenshot(o: { path?: string; fullPage?: boolean }): Promise<Buffer> }, file: string, fullPage = false) =>
  page.screenshot({ fullPage, ...(process.env.UPDATE_SCREENSHOTS === '1' ? { path: `${docs}${file}` } : {}) })

describe('dashboard in Chromium', () => {
  let influx: InfluxClient
  let stack: Stack
  let browser: Browser
  let stop: AbortController
  let running: Promise<unknown>
  let published: MqttClient
  const analyticsTiles = new Map<string, Array<{ t: number; zone: number; hr: number; pctMax: number; secondsInZone: number[] }>>()

  async function login(page: Page, login: string, password: string): Promise<void> {
    await page.goto(`${stack.dashboard.url}/login`)
    await page.fill('input[name=login]', login)
    await page.fill('input[name=password]', password)
    await page.click('button[type=submit]')
  }
  const credentials = (role: string) => stack.seed.logins.find((l) => l.role === role)!

  beforeAll(async () => {
    influx = await freshDatabase('browser')
    const now = Date.now()
    // Half an hour of class already happened (replayed fast), then the class goes on live.
    const history = planGym({ seed: 3, gym: GYM, members: MEMBERS, machines: 4, startMs: now - 32 * 60_000, classStartMs: now - 32 * 60_000 })
    stack = await startStack(inject('influxUrl'), influx.options.database, history, now - 32 * 60_000, { live: { tickMs: 500 } })
    await runGym({ url: stack.mqttUrl, plan: history, secrets: stack.seed.secrets, startMs: now - 32 * 60_000, durationMs: 30 * 60_000, speedup: 300, samplesPerMessage: 20, maxInflight: 64, tickMs: 20 })
    await stack.analytics.rollupNow(Date.now())
    // Analytics' own output, to compare with what the page shows.
    published = await mqtt.connectAsync(stack.mqttUrl, { username: 'dashboard', password: stack.seed.services.get('dashboard')!, clientId: 'dashboard@test-watcher', reconnectPeriod: 0 })
    published.on('message', (_topic, payload) => {
      const tile = JSON.parse(payload.toString()) as { member: string; t: number; zone: number; hr: number; pctMax: number; secondsInZone: number[] }
      const list = analyticsTiles.get(tile.member) ?? []
      list.push({ t: tile.t, zone: tile.zone, hr: tile.hr, pctMax: tile.pctMax, secondsInZone: tile.secondsInZone })
      analyticsTiles.set(tile.member, list)
    })
    await published.subscribeAsync(`pulseline/${GYM}/member/+/live`)
    const live = planGym({ seed: 3, gym: GYM, members: MEMBERS, machines: 4, startMs: Date.now(), classStartMs: now - 2 * 60_000 })
    stop = new AbortController()
    const strap = await mqtt.connectAsync(stack.mqttUrl, { username: DROP_STRAP, password: stack.seed.secrets.get(DROP_STRAP)!, reconnectPeriod: 0 })
    let beat = 0
    manualStrap = setInterval(() => void strap.publishAsync(deviceSamplesTopic(GYM, DROP_STRAP), encodePayload([{ kind: 'hr', t: Date.now(), bpm: 128 + (beat++ % 5) }]), { qos: 1 }), 1000)
    stop.signal.addEventListener('abort', () => void strap.endAsync())
    running = runGym({ url: stack.mqttUrl, plan: { ...live, devices: live.devices.filter((d) => d.id !== DROP_STRAP) }, secrets: stack.seed.secrets, startMs: Date.now(), durationMs: 10 * 60_000, speedup: 1, samplesPerMessage: 1, maxInflight: 16, tickMs: 100, signal: stop.signal }).catch(() => undefined)
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    clearInterval(manualStrap)
    stop?.abort()
    await running
    await published?.endAsync()
    await browser?.close()
    await stack?.close()
    await influx?.close()
  })

  it('sends a visitor without a session to the login page, and a member to their own page', async () => {
    const page = await browser.newPage()
    await page.goto(`${stack.dashboard.url}/board`)
    await page.waitForURL('**/login**')
    await login(page, credentials('member').login, credentials('member').password)
    await page.waitForURL('**/me')
    // Scoping, from the browser's side: the member's socket is refused the class, allowed themself.
    const verdicts = await page.evaluate(async (gym) => {
      const ws = new WebSocket(`ws://${location.host}/api/live`)
      const replies: Array<{ op: string; topic: string }> = []
      ws.onmessage = (e) => replies.push(JSON.parse(e.data))
      await new Promise((r) => (ws.onopen = r))
      const me = await (await fetch('/api/me')).json()
      ws.send(JSON.stringify({ op: 'subscribe', topic: `gym/${gym}/class` }))
      ws.send(JSON.stringify({ op: 'subscribe', topic: `member/${me.id}` }))
      for (let i = 0; i < 50 && replies.filter((r) => r.op).length < 2; i++) await new Promise((r) => setTimeout(r, 100))
      ws.close()
      return replies.filter((r) => r.op).map((r) => `${r.op} ${r.topic}`)
    }, GYM)
    expect(verdicts).toHaveLength(2)
    expect(verdicts).toContain(`error gym/${GYM}/class`)
    expect(verdicts.some((v) => v.startsWith('subscribed member/'))).toBe(true)
    // A member who types the board's address is sent back to their own page.
    await page.goto(`${stack.dashboard.url}/board`)
    await page.waitForURL('**/me')
    await page.close()
  }, 60_000)

  it('shows every simulated member on the class board, and the tiles change as samples arrive', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await login(page, credentials('coach').login, credentials('coach').password)
    await page.waitForURL('**/board')
    await expect.poll(() => page.locator('.tile').count(), { timeout: 15_000 }).toBe(MEMBERS)
    const names = await page.locator('.tile .name').allTextContents()
    expect(names.sort()).toEqual(Array.from({ length: MEMBERS }, (_, i) => `Member ${i + 1}`).sort())
    // No tile scrolls off a 1080p screen.
    const box = await page.evaluate(() => Math.max(...[...document.querySelectorAll('.tile')].map((t) => t.getBoundingClientRect().bottom)))
    expect(box).toBeLessThanOrEqual(1080)
    const times = () => page.evaluate(() => [...(window as any).__board.views.values()].map((v: any) => v.tile?.t ?? 0))
    const before = await times()
    await page.waitForTimeout(3000)
    const after = await times()
    expect(after.filter((t, i) => t > before[i]!).length).toBe(MEMBERS)
    await shoot(page, 'class-board.png')
    await page.close()
  }, 60_000)

  it("shows on each tile the zone, heart rate and time in zones analytics published for that reading", async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await login(page, credentials('coach').login, credentials('coach').password)
    await page.waitForURL('**/board')
    await expect.poll(() => page.locator('.tile').count(), { timeout: 15_000 }).toBe(MEMBERS)
    await page.waitForTimeout(1500)
    // What the screen shows: texts, and each time-in-zone bar's place on its strip as fractions of the strip.
    const shown = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.tile')].map((el) => {
        const strip = el.querySelector('.tiz')!.getBoundingClientRect()
        return {
          member: el.dataset.member!,
          zone: Number(el.dataset.zone),
          t: (window as any).__board.views.get(el.dataset.member).tile.t as number,
          text: ['.bpm', '.znum', '.pct'].map((part) => el.querySelector(part)!.textContent),
          bars: [...el.querySelectorAll('.bar')].map((bar) => {
            const r = bar.getBoundingClientRect()
            return { left: (r.left - strip.left) / strip.width, width: r.width / strip.width }
          }),
        }
      }),
    )
    let compared = 0
    for (const s of shown) {
      const published = analyticsTiles.get(s.member)?.find((p) => p.t === s.t)
      if (!published) continue
      expect(s.zone, s.member).toBe(published.zone)
      expect(s.text, s.member).toEqual([String(published.hr), `Z${published.zone}`, `${published.pctMax}%`])
      const total = published.secondsInZone.slice(1).reduce((a, b) => a + b, 0)
      let before = 0
      for (const [i, bar] of s.bars.entries()) {
        const share = published.secondsInZone[i + 1]! / total
        expect(bar.width, `${s.member} zone ${i + 1}`).toBeCloseTo(share, 2)
        if (share > 0) expect(bar.left, `${s.member} zone ${i + 1}`).toBeCloseTo(before, 2)
        before += share
      }
      compared++
    }
    expect(compared).toBeGreaterThanOrEqual(MEMBERS - 2)
    await page.close()
  }, 60_000)

  it('shows a dropout on the right tile, and only there', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } })
    await login(page, credentials('coach').login, credentials('coach').password)
    await page.waitForURL('**/board')
    await expect.poll(() => page.locator('.tile').count(), { timeout: 15_000 }).toBe(MEMBERS)
    const tile = page.locator(`.tile[data-member="${DROP_MEMBER}"]`)
    await expect.poll(() => tile.getAttribute('class'), { timeout: 10_000 }).not.toContain('lost')
    // The strap is taken off: its readings stop. Analytics notices the silence (5 s) and says so.
    clearInterval(manualStrap)
    await expect.poll(() => tile.locator('.badges').textContent(), { timeout: 15_000 }).toContain('dropout')
    expect(await tile.getAttribute('class')).toContain('lost')
    expect(await page.locator('.tile.lost').count()).toBe(1)
    await page.close()
  }, 60_000)

  it('back-fills the gap when the board reconnects', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } })
    await login(page, credentials('coach').login, credentials('coach').password)
    await page.waitForURL('**/board')
    await expect.poll(() => page.locator('.tile').count(), { timeout: 15_000 }).toBe(MEMBERS)
    await page.waitForTimeout(2000)
    // The socket drops (a Wi-Fi blip); the page reconnects by itself and asks for what it missed.
    await page.evaluate(() => (window as any).__board.live.drop())
    await page.waitForTimeout(4000)
    const gaps = await page.evaluate(() => [...(window as any).__board.views.values()].map((v: any) => v.spark.largestGapMs as number))
    // Analytics writes each member's effort series every tick (0.5 s here): no gap above ~2 s survives.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2500)
    await page.close()
  }, 60_000)

  it('shows the machines in use on the gym view', async () => {
    const page = await browser.newPage()
    await login(page, credentials('coach').login, credentials('coach').password)
    await page.waitForURL('**/board')
    await page.goto(`${stack.dashboard.url}/gym`)
    // Four machines in the simulated class, each with its member and live power or speed.
    await expect.poll(() => page.locator('#machines tr').count(), { timeout: 15_000 }).toBe(4)
    const rows = await page.locator('#machines tr').allInnerTexts()
    expect(rows.every((r) => /Member \d+/.test(r) && /(W|km\/h)/.test(r))).toBe(true)
    await page.close()
  }, 60_000)

  it("imports a file from the member's watch through the page", async () => {
    const start = Math.floor(Date.now() / 1000) * 1000 - 2 * 86_400_000
    const records = Array.from({ length: 60 }, (_, i) => ({ t: start + i * 1000, hr: 120 + (i % 20) }))
    const fit = Buffer.from(encodeActivity({ sport: 'running', startMs: start, endMs: start + 60_000, records, creator: { manufacturer: 'garmin', product: 3121, serial: 4242 } }))
    const page = await browser.newPage()
    await login(page, credentials('member').login, credentials('member').password)
    await page.waitForURL('**/me')
    await expect.poll(() => page.evaluate(() => document.body.dataset.loaded), { timeout: 15_000 }).toBe('true')
    await page.setInputFiles('#import-file input[type=file]', { name: 'morning-run.fit', mimeType: 'application/octet-stream', buffer: fit })
    await page.click('#import-file button')
    await expect.poll(() => page.locator('#import-result').innerText(), { timeout: 15_000 }).toMatch(/^Imported 60 points from morning-run\.fit \(fit, garmin edge530 serial 4242\): 60 hr/)
    const rows = await influx.query(`SELECT count(bpm) FROM hr WHERE "source" = 'fit' AND "device" = 'garmin-4242'`)
    expect(rows[0]?.series?.[0]?.values[0]?.[1]).toBe(60)
    await page.close()
  }, 60_000)

  it("shows a member's history in uPlot", async () => {
    // Two earlier classes of this member, as analytics' class summaries store them: the last-class panel
    // compares the newer with the older (the same report the after-class email sends).
    const memberId = 'member-001' // the demo seed gives the first member the member login
    const t = Date.now() - 3 * 86_400_000
    await influx.write(
      pointLine('session_summary', { gym: GYM, member: memberId, session: 'spin-old' }, { start_ms: t - 86_400_000, end_ms: t - 86_400_000 + 2_700_000, avg_hr: 128, max_hr: 170, kcal: 380, banister_trimp: 55, points: 40, z3_s: 900 }, t - 86_400_000) +
        pointLine('session_summary', { gym: GYM, member: memberId, session: 'spin-new' }, { start_ms: t, end_ms: t + 2_700_000, avg_hr: 140, max_hr: 176, kcal: 420, banister_trimp: 70, points: 52, z3_s: 1200, hrr_1min: 31 }, t),
    )
    const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } })
    await login(page, credentials('member').login, credentials('member').password)
    await page.waitForURL('**/me')
    await expect.poll(() => page.evaluate(() => document.body.dataset.loaded), { timeout: 15_000 }).toBe('true')
    // Every range of the selector draws its own span, ending now, whatever the data covers (a fresh install
    // once drew "30 days" as an axis running to 2029 with its one class against the left edge).
    for (const hours of ['3', '24', '168', '720', '8760']) {
      await page.evaluate(() => (document.body.dataset.loaded = 'false'))
      await page.selectOption('#range', hours)
      await expect.poll(() => page.evaluate(() => document.body.dataset.loaded), { timeout: 15_000 }).toBe('true')
      for (const chart of ['#hr-chart', '#eq-chart']) {
        const span = await page.evaluate((sel) => {
          const x = (document.querySelector(sel) as HTMLElement & { plot?: { scales: { x: { min?: number; max?: number } } } }).plot!.scales.x
          return { seconds: x.max! - x.min!, endsAgoS: Date.now() / 1000 - x.max! }
        }, chart)
        expect(Math.round(span.seconds / 3600), `${chart} at ${hours} h`).toBe(Number(hours))
        expect(span.endsAgoS, `${chart} at ${hours} h`).toBeLessThan(60)
      }
    }
    await page.evaluate(() => (document.body.dataset.loaded = 'false'))
    await page.selectOption('#range', '3')
    await expect.poll(() => page.evaluate(() => document.body.dataset.loaded), { timeout: 15_000 }).toBe('true')
    expect(await page.locator('#hr-chart .uplot').count()).toBe(1)
    const lastClass = await page.locator('#last-class').innerText()
    expect(lastClass).toContain('spin-new')
    expect(lastClass).toMatch(/Average HR\s+140 bpm\s+\+12 bpm/)
    expect(lastClass).toMatch(/Zone 3 Aerobic\s+20 min/)
    await page.waitForTimeout(1500)
    await shoot(page, 'member-history.png', true)
    await page.close()
  }, 60_000)
})
