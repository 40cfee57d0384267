export * from './options.js'
export * from './run-service.js'
export * from './child-process.js'
export * from './operator-http.js'
