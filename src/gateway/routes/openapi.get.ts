import { DASHBOARD_SECURITY_HEADERS } from '../dashboard-files.js'
import { openApiDocument } from '../openapi/document.js'
import { DOCS_STYLE_HASH, renderDocsPage } from '../openapi/docs-page.js'
import { packageVersion } from '../openapi/version.js'
import { json } from '../http.js'
import { defineRoute, type Route } from '../route.js'

/** `GET /openapi.json`: the API's contract, public like the docs it describes. */
export const openApiJson: Route = defineRoute({
  method: 'GET',
  path: '/openapi.json',
  handler: async () => json(200, openApiDocument(packageVersion()), { 'cache-control': 'no-cache', 'access-control-allow-origin': '*' }),
})

/** The dashboard's headers, with exactly the page's own inline style allowed (it runs no script). */
const DOCS_HEADERS: Record<string, string> = {
  ...DASHBOARD_SECURITY_HEADERS,
  'content-security-policy': DASHBOARD_SECURITY_HEADERS['content-security-policy'].replace("style-src 'self'", `style-src ${DOCS_STYLE_HASH}`).replace("script-src 'self'", "script-src 'none'"),
}

let page: string | undefined

/** `GET /docs`: the human-readable reference generated from the same document. */
export const docsPage: Route = defineRoute({
  method: 'GET',
  path: '/docs',
  handler: async () => {
    page ??= renderDocsPage(openApiDocument(packageVersion()))
    return new Response(page, { status: 200, headers: { ...DOCS_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' } })
  },
})

export default [openApiJson, docsPage]
