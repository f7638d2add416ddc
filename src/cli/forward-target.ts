import { MpgError } from '../errors.js'

/**
 * `--forward-to` as people type it (like Stripe's): a bare port (`3000`), host:port with an
 * optional path (`localhost:3000/hooks`), or a full http(s) URL.
 */
export function forwardTarget(input: string): URL {
  const text = input.trim()
  const candidate = /^\d{1,5}$/.test(text) ? `http://localhost:${text}/` : /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`
  let url: URL
  try {
    url = new URL(candidate)
  } catch {
    throw bad(input)
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) throw bad(input)
  return url
}

function bad(input: string): MpgError {
  return new MpgError('usage', `--forward-to "${input}" is not a port, host:port or http(s) URL.`, {
    suggestion: 'Pass e.g. 3000, localhost:3000/webhooks or http://localhost:3000/webhooks.',
  })
}
