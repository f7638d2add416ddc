import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Headers of every dashboard response: nothing inline runs, nothing frames it, nothing leaks the URL. */
export const DASHBOARD_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
}

/** Built asset names are `<name>-<hash>.<ext>` (Vite): only such names are served, so no path can escape. */
export const ASSET_NAME = /^[A-Za-z0-9_-]+-[A-Za-z0-9_-]{8,}\.(js|css|svg|png|woff2)$/

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
  html: 'text/html; charset=utf-8',
}

export const contentTypeOf = (name: string): string => CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream'

/** The package root: the first folder above this module holding a package.json (works from src/ and dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('package.json not found above the gateway sources')
    dir = parent
  }
  return dir
}

/** Where `npm run build` writes the dashboard (shipped in the package under dist/). */
export const dashboardDir = (): string => join(packageRoot(), 'dist', 'dashboard')

const cache = new Map<string, Buffer>()

/** A built file of the dashboard, read once (the files never change while the gateway runs). */
export async function readDashboardFile(name: string): Promise<Buffer | undefined> {
  const hit = cache.get(name)
  if (hit) return hit
  try {
    const body = await readFile(join(dashboardDir(), name))
    cache.set(name, body)
    return body
  } catch {
    return undefined
  }
}
