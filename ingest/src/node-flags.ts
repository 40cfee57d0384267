/**
 * The Node flags ingest runs with (its Dockerfile's CMD says the same; the benchmark forks it with them).
 *
 * A young generation of 64 MiB semi-spaces instead of 16: every message in flight waits for its group
 * commit (some 100 ms under load), so with small semi-spaces most of them are copied by two or three
 * young-generation GCs before they die. Measured (npm run bench, 2,000 devices, 1 sample a message, three
 * runs each, 2026-12-06): young-generation GC 2.5 s → 1.1 s a run, ingest 44 → 38 CPU-µs a message,
 * 30,300 → 37,000 messages/s (medians); the longest pause 37 → 60-90 ms at that load.
 */
export const INGEST_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64']
