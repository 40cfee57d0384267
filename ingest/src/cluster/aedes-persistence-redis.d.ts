// aedes-persistence-redis ships no types: the factory, as ingest uses it (options are ioredis's, plus its own).
declare module 'aedes-persistence-redis' {
  export default function aedesPersistenceRedis(options?: Record<string, unknown>): unknown
}
