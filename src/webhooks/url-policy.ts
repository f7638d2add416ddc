import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import type { Mode } from '../store/records.js'

/**
 * Where webhooks may go. Live endpoints: https only, and the host must not be or resolve to a
 * loopback, private, link-local or otherwise internal address (so an API key cannot turn the
 * gateway into a probe of its own network). Test endpoints: any http(s) URL, localhost included.
 */
export const MAX_URL_LENGTH = 2048

const internal = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6')
}

/** True for addresses a live webhook must not reach. */
export function isInternalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare)
  if (mapped) return internal.check(mapped[1], 'ipv4')
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(bare)
  if (hexMapped) {
    const hi = parseInt(hexMapped[1], 16)
    const lo = parseInt(hexMapped[2], 16)
    return internal.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4')
  }
  const family = isIP(bare)
  if (family === 4) return internal.check(bare, 'ipv4')
  if (family === 6) return internal.check(bare, 'ipv6')
  return true
}

export type Resolver = (host: string) => Promise<string[]>

const systemResolver: Resolver = async (host) => {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), 3000).unref())
  const found = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout])
  return found.map((a) => a.address)
}

export type UrlCheck = { ok: true; url: string } | { ok: false; error: string; hint: string }

const refuse = (error: string, hint: string): UrlCheck => ({ ok: false, error, hint })

/** Checks a webhook URL for an endpoint of `mode`; live mode resolves the host. */
export async function checkWebhookUrl(raw: string, mode: Mode, resolver: Resolver = systemResolver): Promise<UrlCheck> {
  if (raw.length > MAX_URL_LENGTH) return refuse('URL too long', `Use a URL of at most ${MAX_URL_LENGTH} characters.`)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return refuse('Invalid URL', 'Send an absolute URL such as https://example.com/webhooks/mpesa.')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return refuse('Unsupported URL scheme', 'Webhook URLs use https (or http in test mode).')
  }
  if (url.username || url.password) {
    return refuse('Credentials in URL', 'Remove the user:password part; verify deliveries with the endpoint secret instead.')
  }
  url.hash = ''
  if (mode === 'test') return { ok: true, url: url.href }
  if (url.protocol !== 'https:') {
    return refuse('Live webhooks need https', 'Use an https:// URL; plain http (and localhost) is for test mode only.')
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const internalHint = 'Live webhooks must reach a public https address; for a local receiver use a test key (test mode allows http://localhost) or `mpg listen --forward-to`.'
  if (isIP(host)) {
    return isInternalAddress(host) ? refuse('URL points to a private address', internalHint) : { ok: true, url: url.href }
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return refuse('URL points to a private address', internalHint)
  let addresses: string[]
  try {
    addresses = await resolver(host)
  } catch {
    return refuse('URL host does not resolve', 'Check the host name of the URL; it must resolve in public DNS.')
  }
  if (addresses.length === 0) return refuse('URL host does not resolve', 'Check the host name of the URL; it must resolve in public DNS.')
  if (addresses.some(isInternalAddress)) return refuse('URL resolves to a private address', internalHint)
  return { ok: true, url: url.href }
}
