/**
 * The browser side: HTML pages from dashboard/public and the front-end bundles, built from dashboard/web
 * with esbuild when the server starts (about 100 ms; nothing to forget to rebuild, nothing generated in the
 * repo). Pages and bundles carry no data: every number comes from the authorised API and live socket.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { build } from 'esbuild'

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url))
const WEB = fileURLToPath(new URL('../../web/', import.meta.url))
const UPLOT_CSS = fileURLToPath(new URL('../../../node_modules/uplot/dist/uPlot.min.css', import.meta.url))
const PAGES = { '/login': 'login.html', '/board': 'board.html', '/me': 'member.html', '/gym': 'gym.html' } as const

export async function webRoutes(app: FastifyInstance): Promise<void> {
  const bundle = await build({
    entryPoints: { board: `${WEB}board/main.ts`, member: `${WEB}member/main.ts`, gym: `${WEB}gym/main.ts`, login: `${WEB}login/main.ts` },
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    outdir: '/assets',
    logLevel: 'silent',
  })
  const assets = new Map<string, { body: Buffer; type: string }>()
  for (const file of bundle.outputFiles) assets.set(file.path.slice('/assets/'.length), { body: Buffer.from(file.contents), type: 'text/javascript; charset=utf-8' })
  assets.set('styles.css', { body: await readFile(`${PUBLIC}styles.css`), type: 'text/css; charset=utf-8' })
  assets.set('uplot.css', { body: await readFile(UPLOT_CSS), type: 'text/css; charset=utf-8' })

  // The front door: coaches and admins to the class board, everyone else to their own page.
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const user = request.user
    return reply.redirect(!user ? '/login' : user.role === 'coach' || user.role === 'admin' ? '/board' : '/me')
  })
  for (const [url, file] of Object.entries(PAGES)) {
    const html = await readFile(`${PUBLIC}${file}`)
    app.get(url, { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'").send(html),
    )
  }
  app.get('/assets/:file', { config: { access: 'public' }, schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[a-z-]+\\.(js|css)$' }) }) } }, async (request, reply) => {
    const asset = assets.get((request.params as { file: string }).file)
    if (!asset) return reply.code(404).send({ error: 'no such asset' })
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body)
  })
}
