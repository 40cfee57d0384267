export * from './options.js'
export * from './run-service.js'
