/** What the benchmark reads from a running ingest's /metrics (its HTTP port). */

async function metric(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
}

/** Points ingest has written to InfluxDB so far. */
export const writtenPoints = (httpPort: number) => metric(httpPort, 'pulseline_writer_points_total')

/** Bytes of ingest's log not yet written to InfluxDB. */
export const backlogBytes = (httpPort: number) => metric(httpPort, 'pulseline_log_backlog_bytes')
