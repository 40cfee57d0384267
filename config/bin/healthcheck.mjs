// The containers' health check (compose.yaml): exits 0 when the URL answers 2xx within 4 s, 1 otherwise.
// A file rather than `node -e '…'`: podman's Docker-compatible API (4.3) splits a CMD health check's arguments
// at spaces, which broke the inline script.
try {
  const res = await fetch(process.argv[2], { signal: AbortSignal.timeout(4000) })
  process.exit(res.ok ? 0 : 1)
} catch {
  process.exit(1)
}
