/**
 * The live path: samples in, per-member tiles and anomalies out. No I/O of its own: it is handed a sink
 * (MQTT publish, InfluxDB lines) and the registry lookups, so the benchmark and the tests drive it
 * directly and the service only wires it up.
 *
 *   sample (device, t) ─ attribution at t ─▶ member's state in the current session ─▶ tile on
 *                                                                                     pulseline/{gym}/member/{m}/live
 *                      └▶ device's anomaly detector ─▶ anomaly on pulseline/{gym}/member/{m}/anomaly + InfluxDB
 *
 * A tile is published as soon as the reading is processed (the coach's screen is one hop behind the strap),
 * not on a timer. The timer (`tick`) checks for dropouts, runs the model over every stream at once, and
 * writes the `effort` series.
 */
import { keyedPointLine, memberTopic, parseDeviceSamplesTopic, pointLine, seriesKey, validatePayload, DEFAULT_VALIDATE_OPTIONS, type AnomalyEvent, type Sample, type SeriesKey } from '@pulseline/protocol'
import type { MemberAttribution } from '@pulseline/registry'
import { StreamDetector } from '../anomaly/stream-detector.js'
import type { Anomaly, SignalPoint } from '../anomaly/types.js'
import type { AnomalyScorer } from '../anomaly/model/autoencoder.js'
import { HR_SCALE_BPM, WINDOW, writeWindow } from '../anomaly/model/features.js'
import type { HrReading } from '../effort/session-summary.js'
import { MemberLive } from './member-live.js'
import type { Physiology } from './physiology.js'

export interface EngineSink {
  publish(topic: string, payload: string, qos: 0 | 1): void
  write(line: string): void
}

export interface EngineDeps {
  attribution: MemberAttribution
  physiologyOf(member: string): Promise<Physiology>
  /** The class session running in a gym at `t`, or undefined. */
  sessionAt(gym: string, t: number): { id: string; startedMs: number } | undefined
  /** A member's stored HR readings in [fromMs, toMs), to rebuild a session's accumulators after a restart. */
  history?(member: string, fromMs: number, toMs: number): Promise<HrReading[]>
  onHrMaxRaised?(member: string, hrMax: number): void
  /** A model run failed (counted in `modelFailed` either way): for the service's log. */
  onModelFailed?(err: Error): void
  sink: EngineSink
  /** The anomaly model; in the service a ModelThread, so its inference never holds up a reading. */
  model?: AnomalyScorer
  effortPointsPerMin: readonly number[]
}

export interface EngineCounters {
  messages: number
  samples: number
  invalid: number
  unattributed: number
  tiles: number
  anomalies: number
  rebuilt: number
  /** Messages whose handling failed on a dependency (InfluxDB refusing the history query): skipped, not retried. */
  failed: number
  /** Ticks whose model run was skipped because the previous one had not finished (the model is slower than the clock). */
  modelSkipped: number
  /** Model runs that failed (the model thread gone): the rules go on detecting without it. */
  modelFailed: number
}

const ANOMALY_SHOWN_MS = 60_000
/** A tick's work is done in slices of this many streams, yielding between them, so readings that arrive meanwhile wait for one slice, not the whole tick. */
const TICK_SLICE = 250
const yieldToReadings = () => new Promise<void>((resolve) => setImmediate(resolve))
const EQUIPMENT_FOR_DETECTION_MS = 3_000

interface DeviceState {
  detector: StreamDetector
  gym: string
  member: string | undefined
  lastModelT: number
}

export class LiveEngine {
  readonly counters: EngineCounters = { messages: 0, samples: 0, invalid: 0, unattributed: 0, tiles: 0, anomalies: 0, rebuilt: 0, failed: 0, modelSkipped: 0, modelFailed: 0 }
  /** When a tile was last published (start-up until the first), for the "analytics stalled" alert. */
  lastTileMs = Date.now()
  private readonly members = new Map<string, MemberLive>()
  private readonly pending = new Map<string, Promise<MemberLive>>()
  private readonly queues = new Map<string, Promise<void>>()
  private readonly devices = new Map<string, DeviceState>()
  private readonly stepCadence = new Map<string, { t: number; spm: number }>()
  private readonly lastEffortWrite = new Map<string, number>()
  private readonly startedMs = Date.now()
  /** When this instance took each gym it was given (cluster mode); otherwise it has had them since it started. */
  private readonly takenMs = new Map<string, number>()
  /** Arrival minus sample time, smoothed (ms): how far behind the live stream this runs. */
  lagMs = 0
  /** Each member session's effort series key, built once rather than every second. */
  private readonly effortKeys = new WeakMap<MemberLive, SeriesKey>()
  /** The last day key made (`day-YYYY-MM-DD`), since nearly every reading falls on the same day. */
  private dayKey = { day: NaN, key: '', fromMs: 0 }
  /** At most one model run at a time: a tick that finds one running skips its own (counted). */
  private modelRun: Promise<void> | undefined

  constructor(private readonly deps: EngineDeps) {}

  get activeMembers(): number {
    return this.members.size
  }

  /**
   * One MQTT message from a device topic. Never throws: bad input is counted and skipped. A device's
   * messages are processed one after another, in arrival order: interleaving two of them at an await would
   * hand the detector a later reading first, and the earlier ones would be discarded as late.
   */
  handle(topic: string, payload: Buffer | string, nowMs = Date.now()): Promise<void> {
    this.counters.messages++
    const where = parseDeviceSamplesTopic(topic)
    if (!where) return Promise.resolve(void this.counters.invalid++)
    const previous = this.queues.get(where.device)
    const run = previous ? previous.then(() => this.process(where.device, where.gym, payload, nowMs)) : this.process(where.device, where.gym, payload, nowMs)
    // The queue goes on after a failure: the device's next message is not held back by this one's error.
    const settled = run.then(
      () => {},
      () => void this.counters.failed++,
    )
    this.queues.set(where.device, settled)
    void settled.finally(() => {
      if (this.queues.get(where.device) === settled) this.queues.delete(where.device)
    })
    return run
  }

  private async process(device: string, gym: string, payload: Buffer | string, nowMs: number): Promise<void> {
    const where = { device, gym }
    const { accepted, rejected } = validatePayload(payload, { ...DEFAULT_VALIDATE_OPTIONS, now: nowMs })
    this.counters.invalid += rejected.length
    if (accepted.length === 0) return
    await this.deps.attribution.prepare(where.device)
    for (const sample of accepted) {
      this.counters.samples++
      this.lagMs += (Math.max(0, nowMs - sample.t) - this.lagMs) * 0.01
      const member = this.deps.attribution.memberAt(where.device, sample.t)
      const live = member === undefined ? undefined : (this.cachedMember(member, where.gym, sample.t) ?? (await this.memberState(member, where.gym, sample.t)))
      if (!live) this.counters.unattributed++
      this.apply(where.device, where.gym, member, live, sample, nowMs)
    }
  }

  private apply(device: string, gym: string, member: string | undefined, live: MemberLive | undefined, sample: Sample, nowMs: number): void {
    const state = this.deviceState(device, gym, member)
    switch (sample.kind) {
      case 'hr': {
        const point: SignalPoint = { t: sample.t, hr: sample.bpm }
        if (sample.rr_ms) point.rr = sample.rr_ms
        const equipment = live?.equipment && sample.t - live.equipment.t <= EQUIPMENT_FOR_DETECTION_MS ? live.equipment : undefined
        const steps = member ? this.stepCadence.get(member) : undefined
        const cadence = equipment?.cadence_rpm ?? (steps && sample.t - steps.t <= 15_000 ? steps.spm : undefined)
        if (cadence !== undefined) point.cadence = cadence
        if (equipment?.power_w !== undefined) point.powerW = equipment.power_w
        this.raise(state, device, live, state.detector.observe(point, nowMs), nowMs)
        if (live) {
          const raised = live.observeHr(device, sample.t, sample.bpm, sample.rr_ms, sample.contact)
          if (raised !== undefined) this.deps.onHrMaxRaised?.(live.member, raised)
          this.publishTile(live, nowMs)
        }
        break
      }
      case 'equipment':
        if (live) live.equipment = sample
        break
      case 'steps':
        if (member && sample.count !== undefined && sample.interval_s) this.stepCadence.set(member, { t: sample.t, spm: (sample.count * 60) / sample.interval_s })
        break
      case 'status':
        if (live && sample.battery_pct !== undefined) live.batteryPct = sample.battery_pct
        if (live && sample.contact !== undefined) live.contact = sample.contact
        if (sample.link === 'dropout' || sample.link === 'disconnected') this.raise(state, device, live, state.detector.linkLost(sample.t), nowMs)
        break
      case 'sleep':
        break // daily summaries read sleep from InfluxDB
    }
  }

  private deviceState(device: string, gym: string, member: string | undefined): DeviceState {
    let state = this.devices.get(device)
    if (!state) this.devices.set(device, (state = { detector: new StreamDetector(), gym, member, lastModelT: 0 }))
    state.member = member
    return state
  }

  /** The member's state when it is already loaded for the session running at `t` (the common, synchronous case). */
  private cachedMember(member: string, gym: string, t: number): MemberLive | undefined {
    const current = this.members.get(member)
    if (!current) return undefined
    return current.session === this.sessionKeyAt(gym, t).key ? current : undefined
  }

  /** The class running in the gym at `t`, or the day, for members training outside classes. */
  private sessionKeyAt(gym: string, t: number): { key: string; fromMs: number } {
    const session = this.deps.sessionAt(gym, t)
    if (session) return { key: session.id, fromMs: session.startedMs }
    const day = Math.floor(t / 86_400_000)
    if (day !== this.dayKey.day) this.dayKey = { day, key: `day-${new Date(day * 86_400_000).toISOString().slice(0, 10)}`, fromMs: day * 86_400_000 }
    return this.dayKey
  }

  /** The member's state for the session running at `t`; rebuilt from InfluxDB when the session began before this process. */
  private async memberState(member: string, gym: string, t: number): Promise<MemberLive> {
    const { key: sessionKey, fromMs: from } = this.sessionKeyAt(gym, t)
    const current = this.members.get(member)
    if (current && current.session === sessionKey) return current
    const key = `${member}\u0000${sessionKey}`
    let pending = this.pending.get(key)
    if (!pending) {
      pending = (async () => {
        const live = new MemberLive(member, gym, sessionKey, await this.deps.physiologyOf(member), this.deps.effortPointsPerMin)
        if (this.deps.history && from < (this.takenMs.get(gym) ?? this.startedMs)) {
          // Restarted, or took the gym from another instance, mid-session: replay what InfluxDB holds before
          // this reading (no tiles, no alerts), so zones, effort and HRmax go on from where they were.
          for (const r of await this.deps.history(member, from, t)) live.observeHr('', r.t, r.hr, undefined, undefined)
          this.counters.rebuilt++
        }
        this.members.set(member, live)
        return live
      })().finally(() => this.pending.delete(key)) // after a failure, the member's next reading tries again
      this.pending.set(key, pending)
    }
    return pending
  }

  private publishTile(live: MemberLive, nowMs: number): void {
    for (const [type, at] of live.anomalies) if (nowMs - at > ANOMALY_SHOWN_MS) live.anomalies.delete(type)
    this.counters.tiles++
    this.lastTileMs = Date.now()
    this.deps.sink.publish(memberTopic(live.gym, live.member, 'live'), JSON.stringify(live.tile(nowMs)), 0)
  }

  private raise(state: DeviceState, device: string, live: MemberLive | undefined, anomalies: Anomaly[], nowMs: number): void {
    for (const a of anomalies) {
      this.counters.anomalies++
      const member = state.member
      const evidence = Object.fromEntries(Object.entries(a.evidence).map(([k, v]) => [`ev_${k}`, v]))
      this.deps.sink.write(
        pointLine('anomaly', { gym: state.gym, member, device, type: a.type, severity: a.severity }, { start_ms: a.startMs, detected_ms: a.detectedMs, ...evidence }, a.startMs),
      )
      if (member) {
        // JSON has no NaN: a statistic that could not be computed is left out, not sent as null.
        const event: AnomalyEvent = { ...a, evidence: Object.fromEntries(Object.entries(a.evidence).filter(([, v]) => Number.isFinite(v))), member, device }
        this.deps.sink.publish(memberTopic(state.gym, member, 'anomaly'), JSON.stringify(event), 1)
      }
      if (live) {
        live.anomalies.set(a.type, nowMs)
        if (a.type === 'dropout') {
          live.dropout = true
          this.publishTile(live, nowMs)
        }
      }
    }
  }

  /** The clock: dropouts, the effort series, and (when a model is loaded) one batched inference over every stream. */
  async tick(nowMs = Date.now()): Promise<void> {
    let n = 0
    for (const [device, state] of this.devices) {
      if (++n % TICK_SLICE === 0) await yieldToReadings()
      if (this.devices.get(device) !== state) continue // forgotten while this tick yielded
      const live = state.member ? this.members.get(state.member) : undefined
      this.raise(state, device, live, state.detector.tick(nowMs), nowMs)
    }
    for (const live of this.members.values()) {
      if (++n % TICK_SLICE === 0) await yieldToReadings()
      if (this.members.get(live.member) !== live) continue // forgotten while this tick yielded
      if (live.t === 0 || this.lastEffortWrite.get(live.member) === live.t) continue
      this.lastEffortWrite.set(live.member, live.t)
      const tile = live.tile(nowMs)
      let key = this.effortKeys.get(live)
      if (!key) this.effortKeys.set(live, (key = seriesKey('effort', { gym: live.gym, member: live.member, session: live.session })))
      this.deps.sink.write(
        keyedPointLine(
          key,
          { hr: tile.hr, zone: tile.zone, pct_max: tile.pctMax, kcal: live.effort.kcal, points: tile.points, trimp: live.effort.banisterTrimp, hr_max: tile.hrMax, rmssd_ms: tile.rmssdMs ?? undefined },
          live.t,
        ),
      )
    }
    const { model } = this.deps
    if (!model) return
    if (this.modelRun) return void this.counters.modelSkipped++
    this.modelRun = this.runModel(model, nowMs)
      .catch((err: Error) => {
        this.counters.modelFailed++
        this.deps.onModelFailed?.(err)
      })
      .finally(() => (this.modelRun = undefined))
    await this.modelRun
  }

  /** One batch of every stream with a new window: a single request, since the model runs beside the event loop. */
  private async runModel(model: AnomalyScorer, nowMs: number): Promise<void> {
    const ready: [string, DeviceState][] = []
    for (const entry of this.devices) {
      const recent = entry[1].detector.recent
      if (recent.length >= WINDOW && recent.at(-1)!.t > entry[1].lastModelT) ready.push(entry)
    }
    if (ready.length === 0) return
    const features = new Float32Array(ready.length * WINDOW)
    const hr = new Array<number>(WINDOW)
    ready.forEach(([, state], i) => {
      const recent = state.detector.recent
      for (let k = 0; k < WINDOW; k++) hr[k] = recent[recent.length - WINDOW + k]!.hr
      writeWindow(hr, WINDOW - 1, HR_SCALE_BPM, features, i * WINDOW)
    })
    const windowEnds = ready.map(([, state]) => state.detector.recent.at(-1)!.t)
    const scores = await model.score(features)
    for (const [i, [device, state]] of ready.entries()) {
      if (i > 0 && i % TICK_SLICE === 0) await yieldToReadings()
      if (this.devices.get(device) !== state) continue // forgotten during inference (the member's erasure)
      // Scored as of the window that was sent: readings that arrived during inference wait for the next tick.
      const t = windowEnds[i]!
      state.lastModelT = t
      const live = state.member ? this.members.get(state.member) : undefined
      this.raise(state, device, live, state.detector.modelScore(t, scores[i]!), nowMs)
    }
  }

  /** This instance computes `gym` from `atMs` on (cluster mode): sessions begun before are rebuilt from InfluxDB. */
  takeGym(gym: string, atMs = Date.now()): void {
    this.takenMs.set(gym, atMs)
    this.forgetMembersOf(gym)
  }

  /** Another instance computes `gym` now: its members' state here is stale from this moment, so it goes. */
  releaseGym(gym: string): void {
    this.takenMs.delete(gym)
    this.forgetMembersOf(gym)
  }

  private forgetMembersOf(gym: string): void {
    for (const [member, live] of this.members) if (live.gym === gym) this.members.delete(member)
  }

  /** Forgets everything held about a member (their erasure): live state, and the signal history of devices they wore. */
  forgetMember(member: string): void {
    this.members.delete(member)
    this.pending.delete(member)
    this.lastEffortWrite.delete(member)
    this.stepCadence.delete(member)
    for (const [device, state] of this.devices) if (state.member === member) this.devices.delete(device)
  }

  /** Forget a member's cached physiology-dependent state (profile changed); the next reading reloads it. */
  async refreshPhysiology(member: string): Promise<void> {
    const live = this.members.get(member)
    if (live) live.setPhysiology(await this.deps.physiologyOf(member))
  }

  /** Members of a gym, for a coach's first paint before the next readings arrive. */
  tiles(gym: string, nowMs = Date.now()) {
    return [...this.members.values()].filter((m) => m.gym === gym && m.t > 0).map((m) => m.tile(nowMs))
  }
}
