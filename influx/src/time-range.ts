/**
 * An InfluxQL time condition, [fromMs, toMs), written out as integer literals: times are the only values
 * that go into query text (everything a user gives travels as a bound parameter), and only as whole
 * milliseconds computed by the server.
 */
export function timeRange(fromMs: number, toMs: number): string {
  return `time >= ${Math.floor(fromMs)}ms AND time < ${Math.floor(toMs)}ms`
}
