import { hostname } from 'node:os'
import type { IngestOptions } from '../options.js'

/** This node's name in the cluster: stable across restarts, so that a node that comes back finds its own log. */
export function nodeName(options: IngestOptions['cluster']): string {
  return options.nodeId || hostname().replace(/[^A-Za-z0-9_-]/g, '-')
}
