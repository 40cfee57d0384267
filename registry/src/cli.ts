/**
 * `npm run registry -- <command>`: manage gyms, users, devices, credentials, class sessions and
 * assignments from a shell. Every change is written to the audit log with the actor "cli". A device
 * secret is printed once, when issued, and stored only as a hash.
 *
 *   The commands and options: USAGE below, or `npm run registry -- --help`.
 *
 * The registry is --db <file or postgres:// URL>, or PULSELINE_REGISTRY, or .data/registry.sqlite.
 */
import { runCommand } from '@pulseline/config'
import { ID_PATTERN } from '@pulseline/protocol'
import { InfluxClient } from '@pulseline/influx'
import { exportMember } from './privacy.js'
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { openRegistry } from './open-registry.js'
import { isTimeZone } from './time-zone.js'
import { DEVICE_KINDS, ROLES, type DeviceKind, type Role } from './types.js'

const USAGE = `usage: npm run registry -- <command> [options]

    gym add <id> --name <name> [--tz <IANA zone>]
    user add <id> --gym <gym> --role admin|coach|member|analyst --name <name> [--login <login>]
                               the password from PULSELINE_PASSWORD or the first line of standard input, never argv
    device add <id> --gym <gym> --kind <kind> [--address <BLE address>] [--serial <s>] [--owner <user> | --pool]
    device issue <id>          issue (or rotate) a credential; prints the secret
    device revoke <id>         revoke every credential of a device
    devices --gym <gym>
    session start <id> --gym <gym> --title <title> [--coach <user>]
    session end <id>
    assign <device> <user> [--from <ms|now>] [--session <id>]
    unassign <device> [--at <ms|now>]
    assignments <device>
    member export <id> --out <file>   registry rows and InfluxDB history, as JSON (streamed)
                                      (--influx <url> or INFLUX_URL, --database <db>, default "pulseline";
                                      INFLUX_USERNAME, INFLUX_PASSWORD)
    member erase <id>                 erase them from the registry; ingest purges their data everywhere

The registry is --db <SQLite file or postgres:// URL>, or PULSELINE_REGISTRY, or .data/registry.sqlite.`

const OPTIONS = {
  allowPositionals: true,
  options: {
    help: { type: 'boolean', short: 'h' },
    db: { type: 'string' },
    name: { type: 'string' },
    tz: { type: 'string', default: 'UTC' },
    gym: { type: 'string' },
    role: { type: 'string' },
    login: { type: 'string' },
    kind: { type: 'string' },
    address: { type: 'string' },
    serial: { type: 'string' },
    owner: { type: 'string' },
    pool: { type: 'boolean', default: false },
    title: { type: 'string' },
    coach: { type: 'string' },
    from: { type: 'string', default: 'now' },
    at: { type: 'string', default: 'now' },
    session: { type: 'string' },
    out: { type: 'string' },
    influx: { type: 'string' },
    database: { type: 'string', default: 'pulseline' },
  },
} as const

async function firstLineOfStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined
  let text = ''
  for await (const chunk of process.stdin) {
    text += chunk
    if (text.includes('\n')) break
  }
  return text.split('\n')[0]?.trim() || undefined
}

function time(v: string): number {
  if (v === 'now') return Date.now()
  if (!/^\d+$/.test(v)) throw new Error(`time must be ms since the epoch or "now", got ${v}`)
  return Number(v)
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${what} must be one of ${allowed.join(', ')}`)
  return value as T
}

/** An id from the command line: the same pattern the REST API and MQTT topics hold it to. */
function arg(v: string | undefined, what: string): string {
  if (!v) throw new Error(`missing ${what}`)
  if (!ID_PATTERN.test(v)) throw new Error(`${what} ${JSON.stringify(v)} is not an id: letters, digits and _.:- , at most 64`)
  return v
}

await runCommand('registry', USAGE, OPTIONS, async ({ values, positionals }) => {
  if (positionals.length === 0) return void console.log(USAGE)
  const need = (name: keyof typeof values): string => {
    const v = values[name]
    if (typeof v !== 'string' || v === '') throw new Error(`--${name} is required`)
    return v
  }
  const registry = await openRegistry(values.db ?? process.env.PULSELINE_REGISTRY ?? '.data/registry.sqlite')
  const [command, sub, a1] = positionals
  try {
    const key = [command, ['add', 'issue', 'revoke', 'start', 'end', 'export', 'erase'].includes(sub ?? '') ? sub : undefined].filter(Boolean).join(' ')
    // Credentials from the environment, never argv (where ps and shell history would show them).
    const influx = () => new InfluxClient({ url: values.influx ?? process.env.INFLUX_URL ?? 'http://127.0.0.1:8086', database: values.database!, username: process.env.INFLUX_USERNAME || undefined, password: process.env.INFLUX_PASSWORD || undefined })
    switch (key) {
      case 'gym add': {
        const id = arg(a1, 'gym id')
        if (!isTimeZone(values.tz!)) throw new Error(`--tz ${JSON.stringify(values.tz)} is not an IANA time zone (Europe/Berlin, America/New_York, UTC)`)
        await registry.createGym({ id, name: need('name'), timezone: values.tz! })
        await registry.audit('cli', 'gym.create', id)
        console.log(`gym ${id} created`)
        break
      }
      case 'user add': {
        const id = arg(a1, 'user id')
        const role: Role = oneOf(need('role'), ROLES, '--role')
        // A password on argv would show in ps and the shell's history (security review L10).
        const password = values.login ? (process.env.PULSELINE_PASSWORD ?? (await firstLineOfStdin())) : undefined
        if (values.login && !password) throw new Error('a login needs a password: PULSELINE_PASSWORD, or one line on standard input')
        await registry.createUser({ id, gymId: values.gym ?? null, role, displayName: need('name'), login: values.login ?? null }, password)
        await registry.audit('cli', 'user.create', id)
        console.log(`user ${id} (${role}) created`)
        break
      }
      case 'device add': {
        const id = arg(a1, 'device id')
        const kind: DeviceKind = oneOf(need('kind'), DEVICE_KINDS, '--kind')
        await registry.createDevice({ id, gymId: need('gym'), kind, address: values.address ?? null, serial: values.serial ?? null, ownerUserId: values.owner ?? null, pool: values.pool! })
        await registry.audit('cli', 'device.create', id)
        console.log(`device ${id} (${kind}) created`)
        break
      }
      case 'device issue': {
        const id = arg(a1, 'device id')
        const secret = await registry.issueCredential(id)
        await registry.audit('cli', 'credential.issue', id)
        console.log(secret)
        break
      }
      case 'device revoke': {
        const id = arg(a1, 'device id')
        const n = await registry.revokeCredentials(id)
        await registry.audit('cli', 'credential.revoke', id)
        console.log(`${n} credential(s) of ${id} revoked`)
        break
      }
      case 'devices':
        for (const d of await registry.devicesOfGym(need('gym'))) console.log(`${d.id}\t${d.kind}\t${d.pool ? 'pool' : (d.ownerUserId ?? '-')}\t${d.address ?? ''}`)
        break
      case 'session start': {
        const id = arg(a1, 'session id')
        await registry.startSession({ id, gymId: need('gym'), coachUserId: values.coach ?? null, title: need('title'), startedMs: time(values.from!), endedMs: null })
        await registry.audit('cli', 'session.start', id)
        console.log(`session ${id} started`)
        break
      }
      case 'session end': {
        const id = arg(a1, 'session id')
        await registry.endSession(id, time(values.at!))
        await registry.audit('cli', 'session.end', id)
        console.log(`session ${id} ended`)
        break
      }
      case 'assign': {
        const device = arg(sub, 'device id')
        const user = arg(a1, 'user id')
        await registry.assign(device, user, time(values.from!), values.session)
        await registry.audit('cli', 'assignment.create', `${device}:${user}`)
        console.log(`${device} assigned to ${user}`)
        break
      }
      case 'unassign': {
        const device = arg(sub, 'device id')
        await registry.unassign(device, time(values.at!))
        await registry.audit('cli', 'assignment.end', device)
        console.log(`${device} unassigned`)
        break
      }
      case 'assignments':
        for (const x of await registry.assignments(arg(sub, 'device id'))) console.log(`${x.userId}\t${x.fromMs}\t${x.toMs ?? 'open'}\t${x.sessionId ?? ''}`)
        break
      case 'member export': {
        const client = influx()
        // Streamed to the file: a member's years of history never sit in memory at once.
        const out = createWriteStream(need('out'), { mode: 0o600 })
        for await (const piece of await exportMember(registry, client, arg(a1, 'user id'), 'cli')) if (!out.write(piece)) await once(out, 'drain')
        await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
        await client.close()
        console.log(`member ${a1} exported to ${values.out}`)
        break
      }
      case 'member erase': {
        // Recorded here; ingest (which holds InfluxDB's write credentials, the log and the dead letters)
        // carries it out within a poll of the registry's change feed and marks it complete.
        const erasure = await registry.eraseUser(arg(a1, 'user id'), 'cli')
        console.log(`member ${a1} erased from the registry; ingest purges ${erasure.intervals.length} device intervals and their series`)
        break
      }
      default:
        throw new Error(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`)
    }
  } finally {
    await registry.close()
  }
})
