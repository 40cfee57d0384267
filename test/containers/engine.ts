/**
 * A container engine of this machine's own for the container test: Debian's podman (root, overlay storage in a
 * folder of its own) serving a Docker-compatible socket, driven by Debian's docker-compose 1.29, the way a user
 * with Docker runs `docker compose`. Two things podman does not do here, done by this file instead:
 * - health checks: podman runs them from systemd timers, and there is no systemd here, so `podman healthcheck run`
 *   is called at each container's own interval (the same check, from the same definition);
 * - the base images: no registry can be pulled from, so containers/base/build.sh builds them (cached).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { stopChild } from '@pulseline/config'

const run = promisify(execFile)

/** Storage and the socket live here between runs, so the base images are built once per machine. */
export const ENGINE_DIR = process.env.PULSELINE_CONTAINERS_DIR ?? '/var/tmp/pulseline-containers'
const ROOT = new URL('../../', import.meta.url).pathname

export interface ComposeProject {
  name: string
  envFile: string
  files: string[]
}

export class LocalEngine {
  private healthTimer: NodeJS.Timeout | undefined
  private readonly lastCheck = new Map<string, number>()

  private constructor(private readonly service: ChildProcess, readonly env: NodeJS.ProcessEnv) {}

  static async start(): Promise<LocalEngine> {
    mkdirSync(ENGINE_DIR, { recursive: true })
    // The sandbox refuses podman's default rlimits for containers.
    const conf = join(ENGINE_DIR, 'containers.conf')
    writeFileSync(conf, '[containers]\ndefault_ulimits = []\n')
    const socket = join(ENGINE_DIR, 'podman.sock')
    const env = { ...process.env, CONTAINERS_CONF: conf, DOCKER_HOST: `unix://${socket}`, PODMAN: ['podman', ...podmanStorage()].join(' ') }
    const service = spawn('podman', [...podmanStorage(), 'system', 'service', '--time', '0', `unix://${socket}`], { env, stdio: 'ignore' })
    const engine = new LocalEngine(service, env)
    const deadline = Date.now() + 20_000
    while (!existsSync(socket) || !(await engine.podman(['info', '--format', '{{.Store.GraphDriverName}}']).then(() => true, () => false))) {
      if (Date.now() > deadline || service.exitCode !== null) throw new Error('podman system service did not start')
      await new Promise((r) => setTimeout(r, 200))
    }
    return engine
  }

  async podman(args: string[], timeoutMs = 120_000): Promise<string> {
    const { stdout } = await run('podman', [...podmanStorage(), ...args], { env: this.env, timeout: timeoutMs, maxBuffer: 64 << 20 })
    return stdout
  }

  async compose(project: ComposeProject, args: string[], timeoutMs = 600_000): Promise<string> {
    const files = project.files.flatMap((f) => ['-f', join(ROOT, f)])
    try {
      const { stdout, stderr } = await run('docker-compose', ['--project-directory', ROOT, '-p', project.name, '--env-file', project.envFile, ...files, ...args], { env: this.env, cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 << 20 })
      return stdout + stderr
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string; killed?: boolean }
      const why = e.killed ? `still running after ${timeoutMs / 1000} s, stopped` : e.message
      throw new Error(`docker-compose ${args.join(' ')} failed: ${why}\n${(e.stderr ?? '').slice(-4000)}`)
    }
  }

  /** Builds node:20-bookworm-slim and node:20-bookworm unless the cached ones are current. */
  async buildBaseImages(): Promise<string> {
    const { stdout } = await run('bash', [join(ROOT, 'containers/base/build.sh')], { env: this.env, timeout: 900_000, maxBuffer: 64 << 20 })
    return stdout
  }

  /** Runs each running container's health check at its own interval, as systemd's timer would. */
  startHealthChecks(project: string): void {
    const tick = async () => {
      const names = (await this.podman(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}']).catch(() => '')).split('\n').filter(Boolean)
      for (const name of names) {
        const interval = await this.healthInterval(name)
        if (interval === undefined || Date.now() - (this.lastCheck.get(name) ?? 0) < interval) continue
        this.lastCheck.set(name, Date.now())
        await this.podman(['healthcheck', 'run', name], 30_000).catch(() => {}) // an unhealthy result is recorded by podman
      }
    }
    const loop = () => void tick().finally(() => { if (this.healthTimer) this.healthTimer = setTimeout(loop, 1000) })
    this.healthTimer = setTimeout(loop, 0)
  }

  private readonly intervals = new Map<string, number | undefined>()
  private async healthInterval(name: string): Promise<number | undefined> {
    if (!this.intervals.has(name)) {
      const raw = await this.podman(['inspect', name, '--format', '{{if .Config.Healthcheck}}{{.Config.Healthcheck.Interval}}{{end}}']).catch(() => '')
      const ns = Number(raw.trim())
      this.intervals.set(name, raw.trim() === '' ? undefined : ns > 0 ? ns / 1e6 : 30_000)
    }
    return this.intervals.get(name)
  }

  async healthOf(container: string): Promise<string> {
    return (await this.podman(['inspect', container, '--format', '{{if .State.Health}}{{.State.Health.Status}}{{end}}'])).trim()
  }

  async ipOf(container: string): Promise<string> {
    return (await this.podman(['inspect', container, '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'])).trim()
  }

  /** Unnamed images (earlier builds' stages) older than a day: a rebuild leaves a few GB of them. */
  async pruneOldImages(): Promise<void> {
    await this.podman(['image', 'prune', '-f', '--filter', 'until=24h'])
  }

  async stop(): Promise<void> {
    const timer = this.healthTimer
    this.healthTimer = undefined
    clearTimeout(timer)
    await stopChild(this.service)
  }
}

/** Overlay storage in the engine's own folder: vfs copies every layer whole (the build image is 770 MB); overlay works here. */
function podmanStorage(): string[] {
  return ['--root', join(ENGINE_DIR, 'storage'), '--runroot', join(ENGINE_DIR, 'run'), '--storage-driver', 'overlay']
}
