import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import type { Mode } from '../store/records.js'

/**
 * Where webhooks may go. Live endpoints: https only. Whenever the gateway talks to a real Daraja
 * (unless MPG_ALLOW_PRIVATE_WEBHOOK_URLS=1), no endpoint, test or live, may be, name or resolve to
 * a loopback, private, link-local, metadata or otherwise internal address, so an API key cannot
 * turn the gateway into a probe of its own network. In emulator mode any http(s) URL goes.
 */
export const MAX_URL_LENGTH = 2048

const internalV4 = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT; Alibaba Cloud's metadata is 100.100.100.200
  ['127.0.0.0', 8],
  ['168.63.129.16', 32], // Azure's platform endpoint (wire server, metadata)
  ['169.254.0.0', 16], // link-local; 169.254.169.254 is the usual cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internalV4.addSubnet(net, prefix, 'ipv4')
}
const internalV6 = new BlockList()
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible block
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64],
  ['2001::', 23], // IETF protocol assignments, Teredo (2001::/32) included
  ['2001:db8::', 32],
  ['3fff::', 20],
  ['fc00::', 7], // unique local; AWS metadata is fd00:ec2::254
  ['fe80::', 10],
  ['fec0::', 10], // site-local: deprecated, still routed by some networks
  ['ff00::', 8],
] as const) {
  internalV6.addSubnet(net, prefix, 'ipv6')
}

/** The 16 bytes of an IPv6 address (a zone such as %eth0 dropped), or undefined when it is none. */
function ipv6Bytes(text: string): number[] | undefined {
  let s = text.replace(/%.*$/, '')
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (dotted) {
    if (isIP(dotted[2]) !== 4) return undefined
    const [a, b, c, d] = dotted[2].split('.').map(Number)
    s = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return undefined
  const groups = (part: string) => (part === '' ? [] : part.split(':'))
  const head = groups(halves[0])
  const tail = halves.length === 2 ? groups(halves[1]) : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  const bytes: number[] = []
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined
    const value = parseInt(group, 16)
    bytes.push(value >> 8, value & 255)
  }
  return bytes
}

const zero = (bytes: number[], from: number, to: number) => bytes.slice(from, to).every((b) => b === 0)
const v4 = (bytes: number[], at: number) => bytes.slice(at, at + 4).join('.')
const v6 = (bytes: number[]) => Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16)).join(':')

/** The IPv4 address an IPv6 address carries and the network would deliver to, if any. */
function embeddedIpv4(b: number[]): string | undefined {
  if (zero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(b, 12) // ::ffff:a.b.c.d (mapped)
  if (zero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && zero(b, 10, 12)) return v4(b, 12) // ::ffff:0:a.b.c.d (translated)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(b, 4, 12)) return v4(b, 12) // 64:ff9b::a.b.c.d (NAT64)
  if (b[0] === 0x20 && b[1] === 0x02) return v4(b, 2) // 2002:aabb:ccdd::/48 (6to4)
  return undefined
}

/**
 * True for addresses a webhook must not reach when private addresses are refused: loopback,
 * private, link-local, metadata and other special-purpose ranges, in any IPv4 or IPv6 spelling
 * (IPv4 embedded in IPv6 is judged by its IPv4 address). Anything that is not an address is refused.
 */
export function isInternalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase()
  if (isIP(bare) === 4) return internalV4.check(bare, 'ipv4')
  const bytes = ipv6Bytes(bare)
  if (!bytes) return true
  const carried = embeddedIpv4(bytes)
  if (carried !== undefined && internalV4.check(carried, 'ipv4')) return true
  return internalV6.check(v6(bytes), 'ipv6')
}

/** Names that never lead to a public receiver (RFC 6761 localhost, mDNS, private-use TLDs, cloud metadata). */
export function isInternalHostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.+$/, '')
  return name === 'localhost' || /\.(localhost|local|internal|home\.arpa)$/.test(name) || name === 'metadata' || name === 'metadata.google.internal'
}

export type Resolver = (host: string) => Promise<string[]>

const systemResolver: Resolver = async (host) => {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), 3000).unref())
  const found = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout])
  return found.map((a) => a.address)
}

export type UrlCheck = { ok: true; url: string } | { ok: false; error: string; hint: string }

const refuse = (error: string, hint: string): UrlCheck => ({ ok: false, error, hint })

export interface UrlPolicy {
  /**
   * Loopback, private, link-local and metadata addresses are allowed: the emulator mode's default
   * (`mpg listen`, local servers) and MPG_ALLOW_PRIVATE_WEBHOOK_URLS=1. Otherwise they are refused
   * for test and live endpoints alike: with a real Daraja every tenant can make test endpoints.
   */
  allowPrivate: boolean
}

/** For connect-time checks (the one outbound path): may a webhook connection go to this address? */
export const isPublicAddress = (address: string): boolean => !isInternalAddress(address)

/**
 * Checks a webhook URL for an endpoint of `mode`. Live endpoints need https. Unless the policy
 * allows private addresses, the host must not be, name or resolve to one. Deliveries check again
 * when they connect (see isPublicAddress), so a DNS answer that changes later is caught too.
 */
export async function checkWebhookUrl(raw: string, mode: Mode, policy: UrlPolicy, resolver: Resolver = systemResolver): Promise<UrlCheck> {
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
  if (mode === 'live' && url.protocol !== 'https:') {
    return refuse('Live webhooks need https', 'Use an https:// URL; plain http (and localhost) is for test mode only.')
  }
  if (policy.allowPrivate) return { ok: true, url: url.href }
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '')
  const internalHint =
    mode === 'live'
      ? 'Live webhooks must reach a public https address; for a local receiver use a test key on an emulator gateway or `mpg listen --forward-to`.'
      : 'This gateway talks to a real Daraja, so webhooks must reach a public address; for a local receiver use `mpg listen --forward-to`, or set MPG_ALLOW_PRIVATE_WEBHOOK_URLS=1 on a single-developer gateway.'
  if (isIP(host)) {
    return isInternalAddress(host) ? refuse('URL points to a private address', internalHint) : { ok: true, url: url.href }
  }
  if (isInternalHostName(host)) return refuse('URL points to a private address', internalHint)
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
