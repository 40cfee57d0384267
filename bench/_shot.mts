import { chromium } from 'playwright-core'
import { readFileSync } from 'node:fs'
const log = readFileSync('/tmp/demo.log', 'utf8')
const pw = /coach login\s+(\S+) \/ (\S+)/.exec(log)!
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] })
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
page.on('console', (m) => console.log('console:', m.text()))
page.on('pageerror', (e) => console.log('pageerror:', e.message))
await page.goto('http://127.0.0.1:18080/login')
await page.fill('input[name=login]', pw[1]!)
await page.fill('input[name=password]', pw[2]!)
await page.click('button[type=submit]')
await page.waitForURL('**/board')
await page.waitForTimeout(5000)
console.log('tiles', await page.locator('.tile').count())
await page.screenshot({ path: '/tmp/board.png' })
await browser.close()
