import { describe, expect, it } from 'vitest'
import { urlField } from '../../emulator/validate.js'

/** What the check said before plain URLs skipped the URL parser: the verdict they must keep. */
function parsedVerdict(value: string): boolean {
  if (value !== value.trim() || /\s/.test(value)) return false
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

const ACCEPTED = [
  'http://127.0.0.1:39051/api/v1/callbacks/daraja/stk/6WYP3VGROEWXKOsXn3jZ9qEsQZXgaD6w',
  'https://shop.example/Safaricom/validate',
  'https://shop.example:443/cb?order=12&x=%20#frag',
  'http://localhost:0/',
  'http://localhost',
  'http://a-b.example/',
  'http://255.255.255.255:65535/x',
  'http://1.2.3.x/',
  'HTTPS://SHOP.EXAMPLE/CB',
  'http://shop.example/a\\b',
  'http://xn--ls8h.example/',
  'http://user:pass@shop.example/cb',
  'http://[::1]:8080/cb',
  'http://01.2.3.4/',
]

const REFUSED = [
  ' https://example.com/cb',
  'https://example.com/cb ',
  'https://example.com/c b',
  'not a url',
  'ftp://example.com/cb',
  'http://',
  'http://127.0.0.1:65536/x',
  'http://1.2.3.4.5/',
  'http://999.1.1.1/',
  'http://xn--/',
  'http://xn--a-ecp.ru/',
  'http://shop.example:99999/',
  '',
]

describe('urlField (callback URLs in Daraja requests)', () => {
  it('accepts and refuses what the URL parser does, plain URLs included', () => {
    for (const value of [...ACCEPTED, ...REFUSED]) {
      expect({ value, accepted: urlField({ U: value }, 'U') === value }).toEqual({ value, accepted: parsedVerdict(value) })
    }
    // The lists say what they mean (a parser change would show here first).
    for (const value of ACCEPTED) expect({ value, ok: parsedVerdict(value) }).toEqual({ value, ok: true })
    for (const value of REFUSED) expect({ value, ok: parsedVerdict(value) }).toEqual({ value, ok: false })
  })

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, { href: 'http://x.example/' }]) expect(urlField({ U: value }, 'U')).toBeUndefined()
  })
})
