export * from './app.js'
export * from './plugins/access-rules.js'
export { SESSION_COOKIE } from './plugins/access.js'
