import { ASSET_NAME, DASHBOARD_SECURITY_HEADERS, contentTypeOf, readDashboardFile } from '../dashboard-files.js'
import { notFound } from '../../core/errors.js'
import { ApiError, fromDomainError } from '../errors.js'
import { json } from '../http.js'
import { defineRoute, type Answer, type Route } from '../route.js'

async function page(): Promise<Answer> {
  const html = await readDashboardFile('index.html')
  if (!html) {
    return json(503, new ApiError(503, 'Dashboard not built', 'Run `npm run build` to build the dashboard into dist/dashboard.', '').body(), DASHBOARD_SECURITY_HEADERS)
  }
  // The HTML names the current hashed assets, so it must never be cached.
  return new Response(new Uint8Array(html), { status: 200, headers: { ...DASHBOARD_SECURITY_HEADERS, 'content-type': contentTypeOf('index.html'), 'cache-control': 'no-store' } })
}

/** `GET /dashboard`: the single page; its views live in the URL fragment. */
export const dashboardPage: Route = defineRoute({ method: 'GET', path: '/dashboard', handler: () => page() })
export const dashboardPageSlash: Route = defineRoute({ method: 'GET', path: '/dashboard/', handler: () => page() })

/** `GET /dashboard/assets/<name>-<hash>.<ext>`: content-hashed, so cacheable for a year. */
export const dashboardAsset: Route = defineRoute({
  method: 'GET',
  path: '/dashboard/assets/:file',
  handler: async (_ctx, event) => {
    const name = event.context.params?.file ?? ''
    const body = ASSET_NAME.test(name) ? await readDashboardFile(`assets/${name}`) : undefined
    if (!body) return json(404, fromDomainError(notFound('Dashboard asset')).body(), DASHBOARD_SECURITY_HEADERS)
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: { ...DASHBOARD_SECURITY_HEADERS, 'content-type': contentTypeOf(name), 'cache-control': 'public, max-age=31536000, immutable' },
    })
  },
})

export default [dashboardPage, dashboardPageSlash, dashboardAsset]
