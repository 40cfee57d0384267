export * from './client.js'
export * from './write-error.js'
export * from './local-server.js'
export * from './metric-lines.js'
