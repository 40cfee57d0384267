/**
 * What ingest does when the registry changes, from any process: disconnects revoked credentials, moves
 * samples written without a member into new assignments, republishes the gyms' device lists (retained, for
 * gateways) and erasure lists, and starts erasures.
 */
import type { Aedes } from 'aedes'
import type { Logger } from 'pino'
import type { InfluxClient } from '@pulseline/influx'
import type { DeviceInterval, MemberAttribution, Registry } from '@pulseline/registry'
import type { SampleLog } from '../log/sample-log.js'
import type { ErasureWorker } from '../erasure/erasure-worker.js'
import { publishErasures } from '../erasure/erasure-list-publisher.js'
import type { IngestOptions } from '../options.js'
import type { RegistryDirectory } from './registry-directory.js'
import { Reattributor } from './reattribution.js'
import { publishDeviceLists } from './device-list-publisher.js'

export interface RegistryFollower {
  publishErasureLists(byGym: Map<string, DeviceInterval[]>): void
  close(): Promise<void>
}

export interface FollowerParts {
  broker: Aedes
  influx: InfluxClient
  log: SampleLog
  attribution: MemberAttribution | undefined
  erasures: ErasureWorker | undefined
  /** Disconnects the given ids' clients, logging how many. */
  revoked: (ids: string[]) => void
  logger: Logger
}

export function followRegistry(directory: RegistryDirectory, registry: Registry, options: IngestOptions['identities'], parts: FollowerParts): RegistryFollower {
  const { broker, logger, erasures } = parts
  directory.onRevoked = parts.revoked
  // Samples already written without a member, inside new assignments, move to the member.
  const reattributor = new Reattributor(parts.influx, parts.log, (id) => registry.assignments(id), options.reattributeLookbackMs, {
    moved: (device, points) => logger.info({ device, points }, 'samples attributed to their member after the fact'),
    failed: (err) => logger.error({ error: err.message }, 'reattribution failed; it runs again at the next assignment change'),
  })
  directory.onAssignmentsChanged = (ids) => {
    parts.attribution?.invalidate(ids)
    reattributor.changed(ids)
  }
  const publishLists = () => void publishDeviceLists(broker, registry).catch((err: Error) => logger.error({ error: err.message }, 'device lists not published'))
  directory.onDevicesChanged = publishLists
  publishLists()
  if (erasures) {
    const refreshErasures = () => void erasures.refresh().catch((err: Error) => logger.error({ error: err.message }, 'erasures not read'))
    directory.onErasure = refreshErasures
    refreshErasures()
  }
  directory.watch(options.registryPollMs, (err) => logger.error({ error: err.message }, 'registry change feed not read'))
  return {
    publishErasureLists: (byGym) => void publishErasures(broker, byGym).catch((err: Error) => logger.error({ error: err.message }, 'erasure lists not published')),
    close: () => reattributor.close(),
  }
}
