/**
 * A private D-Bus daemon, standing in for the system bus in tests and the demo. Its policy lets this
 * process own `org.bluez` (the emulator) and lets anyone call it (the gateway), which the real system
 * bus allows only to root and the bluetooth group (see the gateway README for the real policy).
 */
import type { ChildProcess } from 'node:child_process'
import { spawnTied, stopChild } from '@pulseline/config'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface PrivateBus {
  /** A D-Bus address to put in DBUS_SYSTEM_BUS_ADDRESS. */
  address: string
  pid: number
  stop(): Promise<void>
}

export async function startPrivateBus(): Promise<PrivateBus> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-dbus-'))
  const socket = join(dir, 'bus')
  const config = join(dir, 'bus.conf')
  await writeFile(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
`,
  )
  // detached: its own process group, so a Ctrl-C meant for the demo does not kill the bus under the gateway's feet
  // Never outlive the process that started it, whatever ends that process.
  const child: ChildProcess = spawnTied('dbus-daemon', ['--config-file', config, '--nofork', '--nopidfile', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true })
  const address = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n')[0]
      if (out.includes('\n') && line) resolve(line.trim())
    })
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)))
  })
  return {
    address,
    pid: child.pid!,
    async stop() {
      await stopChild(child)
      await rm(dir, { recursive: true, force: true })
    },
  }
}
