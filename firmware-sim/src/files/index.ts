export * from './fit-files.js'
export * from './xml-files.js'
export * from './member-week.js'
