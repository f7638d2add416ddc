import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { seal, sealKey, unseal } from '../../src/webhooks/seal.js'
import { generateWebhookSecret } from '../../src/webhooks/signature.js'
import { checkWebhookUrl, isInternalAddress } from '../../src/webhooks/url-policy.js'
import { removeDir } from '../helpers/gateway.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir)
})
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-seal-'))
  dirs.push(dir)
  return dir
}

describe('seal', () => {
  it('creates a 0600 key file once and round-trips; the sealed text does not contain the secret', () => {
    const dir = tempDir()
    const key = sealKey(dir)
    expect(statSync(join(dir, 'seal-key')).mode & 0o777).toBe(0o600)
    expect(Buffer.from(readFileSync(join(dir, 'seal-key'), 'utf8').trim(), 'base64').equals(key)).toBe(true)
    const secret = generateWebhookSecret()
    const sealed = seal(key, secret, 'we_1')
    expect(sealed).toMatch(/^v1\./)
    // Neither the secret nor its bytes appear in the sealed text, in any of the usual encodings.
    const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64')
    const plain = Buffer.from(secret)
    const parts = sealed.split('.').map((part) => Buffer.from(part, 'base64url'))
    for (const needle of [plain, bytes]) {
      for (const encoding of ['utf8', 'base64', 'base64url', 'hex'] as const) expect(sealed).not.toContain(needle.toString(encoding))
      for (const part of parts) expect(part.includes(needle.subarray(0, 8))).toBe(false)
    }
    expect(seal(key, secret, 'we_1')).not.toBe(sealed)
    expect(unseal(key, sealed, 'we_1')).toBe(secret)
  })

  it('refuses another record, another key, or an altered value', () => {
    const key = sealKey(tempDir())
    const sealed = seal(key, 'whsec_abc', 'we_1')
    expect(() => unseal(key, sealed, 'we_2')).toThrow(/cannot unseal/)
    expect(() => unseal(sealKey(tempDir()), sealed, 'we_1')).toThrow(/cannot unseal/)
    const parts = sealed.split('.')
    const ciphertext = Buffer.from(parts[3], 'base64url')
    ciphertext[0] ^= 1
    parts[3] = ciphertext.toString('base64url')
    expect(() => unseal(key, parts.join('.'), 'we_1')).toThrow(/cannot unseal/)
    expect(() => unseal(key, 'plain', 'we_1')).toThrow(/not a sealed value/)
  })
})

describe('webhook URL policy', () => {
  it('classifies internal addresses, IPv4-mapped IPv6 included', () => {
    for (const a of ['127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe']) {
      expect(isInternalAddress(a), a).toBe(true)
    }
    for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isInternalAddress(a), a).toBe(false)
    }
  })

  it('live mode resolves host names and refuses any internal answer; test mode does not resolve', async () => {
    const resolver = (answers: Record<string, string[]>) => async (host: string) => {
      if (!answers[host]) throw new Error('ENOTFOUND')
      return answers[host]
    }
    const dns = resolver({ 'public.example': ['93.184.215.14'], 'sneaky.example': ['93.184.215.14', '10.0.0.1'] })
    expect(await checkWebhookUrl('https://public.example/h#frag', 'live', { allowPrivate: false }, dns)).toEqual({ ok: true, url: 'https://public.example/h' })
    expect(await checkWebhookUrl('https://sneaky.example/h', 'live', { allowPrivate: false }, dns)).toMatchObject({ ok: false, error: 'URL resolves to a private address' })
    expect(await checkWebhookUrl('https://nowhere.example/h', 'live', { allowPrivate: false }, dns)).toMatchObject({ ok: false, error: 'URL host does not resolve' })
    expect(await checkWebhookUrl('http://public.example/h', 'live', { allowPrivate: false }, dns)).toMatchObject({ ok: false, error: 'Live webhooks need https' })
    // Test mode never asks DNS: a resolver that would fail is not even called.
    const asked: string[] = []
    const failing = async (host: string): Promise<string[]> => {
      asked.push(host)
      throw new Error('ENOTFOUND')
    }
    expect(await checkWebhookUrl('http://nowhere.example/h', 'test', { allowPrivate: true }, failing)).toMatchObject({ ok: true })
    expect(asked).toEqual([])
    expect(await checkWebhookUrl('https://nowhere.example/h', 'live', { allowPrivate: false }, failing)).toMatchObject({ ok: false })
    expect(asked).toEqual(['nowhere.example'])
    expect(await checkWebhookUrl(`https://public.example/${'a'.repeat(2100)}`, 'live', { allowPrivate: false }, dns)).toMatchObject({ ok: false, error: 'URL too long' })
  })
})
