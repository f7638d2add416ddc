import { describe, expect, it } from 'vitest'
import { checkWebhookUrl, isInternalAddress } from '../../src/webhooks/url-policy.js'

/** Every spelling a webhook URL or a DNS answer may use for an address the gateway must not reach. */
const internal: Array<[string, string]> = [
  // IPv4
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback, end of 127/8'],
  ['0.0.0.0', 'this host'],
  ['10.1.2.3', 'private 10/8'],
  ['172.16.0.1', 'private 172.16/12'],
  ['172.31.255.255', 'private 172.16/12 end'],
  ['192.168.1.1', 'private 192.168/16'],
  ['100.64.0.1', 'carrier-grade NAT'],
  ['100.100.100.200', 'Alibaba Cloud metadata (CGNAT range)'],
  ['169.254.169.254', 'cloud metadata (link-local)'],
  ['169.254.0.1', 'link-local'],
  ['192.0.0.192', 'IETF protocol assignments (Oracle metadata)'],
  ['168.63.129.16', 'Azure platform (wire server)'],
  ['198.18.0.1', 'benchmarking'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  // IPv6
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback, long form'],
  ['0000:0000:0000:0000:0000:0000:0000:0001', 'loopback, zero-padded'],
  ['::', 'unspecified'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local with a zone'],
  ['febf::1', 'link-local, end of fe80::/10'],
  ['fec0::1', 'site-local (deprecated)'],
  ['feff::1', 'site-local, end of fec0::/10'],
  ['fc00::1', 'unique local'],
  ['fd00::1', 'unique local'],
  ['fd00:ec2::254', 'AWS metadata over IPv6'],
  ['ff02::1', 'multicast'],
  ['100::1', 'discard-only'],
  ['2001:db8::1', 'documentation'],
  // IPv4 embedded in IPv6
  ['::ffff:127.0.0.1', 'IPv4-mapped, dotted'],
  ['::ffff:7f00:1', 'IPv4-mapped, hex'],
  ['0:0:0:0:0:ffff:7f00:1', 'IPv4-mapped, long form'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::7f00:1', 'IPv4-compatible (deprecated) loopback'],
  ['::127.0.0.1', 'IPv4-compatible, dotted'],
  ['::a00:1', 'IPv4-compatible private'],
  ['::ffff:0:7f00:1', 'IPv4-translated loopback'],
  ['::ffff:0:127.0.0.1', 'IPv4-translated, dotted'],
  ['64:ff9b::7f00:1', 'NAT64 of loopback'],
  ['64:ff9b::169.254.169.254', 'NAT64 of metadata, dotted'],
  ['64:ff9b:1::1', 'local-use NAT64'],
  ['2002:7f00:1::1', '6to4 of loopback'],
  ['2002:a9fe:a9fe::1', '6to4 of metadata'],
  ['2002:c0a8:101::', '6to4 of 192.168.1.1'],
  ['2001::1', 'Teredo (embeds an obfuscated IPv4)'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  // not an address at all: refused rather than guessed
  ['not-an-ip', 'garbage'],
  ['', 'empty'],
]

const external: Array<[string, string]> = [
  ['93.184.215.14', 'public IPv4'],
  ['8.8.8.8', 'public IPv4'],
  ['172.32.0.1', 'just past 172.16/12'],
  ['100.128.0.1', 'just past 100.64/10'],
  ['2606:4700:4700::1111', 'public IPv6'],
  ['2a00:1450:4001:81c::200e', 'public IPv6'],
  ['::ffff:8.8.8.8', 'IPv4-mapped public'],
  ['::ffff:808:808', 'IPv4-mapped public, hex'],
  ['64:ff9b::808:808', 'NAT64 of a public address'],
  ['2002:808:808::1', '6to4 of a public address'],
]

describe('internal addresses: every spelling', () => {
  it.each(internal)('%s (%s) is internal', (address) => {
    expect(isInternalAddress(address)).toBe(true)
    if (address.includes(':')) expect(isInternalAddress(`[${address}]`)).toBe(true)
  })

  it.each(external)('%s (%s) is not', (address) => {
    expect(isInternalAddress(address)).toBe(false)
  })
})

describe('webhook URLs spelling an internal address are refused (live mode)', () => {
  const urls = [
    'https://127.0.0.1/h',
    'https://127.1/h',
    'https://2130706433/h',
    'https://0x7f000001/h',
    'https://0177.0.0.1/h',
    'https://127.0.0.1./h',
    'https://[::1]/h',
    'https://[::7f00:1]/h',
    'https://[::ffff:0:7f00:1]/h',
    'https://[::ffff:127.0.0.1]/h',
    'https://[2002:7f00:1::1]/h',
    'https://[fec0::1]/h',
    'https://[64:ff9b::a9fe:a9fe]/h',
    'https://localhost/h',
    'https://LOCALHOST./h',
    'https://api.localhost/h',
    'https://metadata.google.internal/h',
  ]
  const noDns = async (): Promise<string[]> => {
    throw new Error('the policy must refuse these without asking DNS')
  }
  it.each(urls)('%s', async (url) => {
    const check = await checkWebhookUrl(url, 'live', { allowPrivate: false }, noDns)
    expect(check.ok).toBe(false)
    if (!check.ok) expect(check.error).toBe('URL points to a private address')
  })
})
