import { readFile } from 'node:fs/promises'
import { MpgError } from '../errors.js'
import { explainWebhookSignature, type SignatureExplanation } from '../webhooks/explain.js'
import { signatureHeaders } from '../webhooks/signature.js'
import { newId } from '../utils/ids.js'

async function readInput(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new MpgError('usage', `Cannot read the ${what} file ${file} (${code ?? 'unreadable'})`, { suggestion: `Pass an existing file to the ${what === 'body' ? '--body-file' : '--headers-file'} flag` })
  }
}

/** Both signature headers the gateway would send for this body (for testing a receiver by hand). */
export async function signWebhookBody(input: { secret: string; bodyFile: string; id?: string; timestamp?: number; event?: string }) {
  const rawBody = await readInput(input.bodyFile, 'body')
  const id = input.id ?? newId('evt')
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000)
  let event = input.event
  if (!event) {
    try {
      event = String((JSON.parse(rawBody.toString('utf8')) as { event?: unknown }).event ?? '')
    } catch {
      event = ''
    }
  }
  return signatureHeaders(input.secret, { id, timestamp, rawBody, event: event || 'payment.success' })
}

/**
 * Parses "Name: value" lines (curl -D output, a saved request, or --header flags). A request or
 * status line is skipped; a blank line ends the headers, and what follows is the request body.
 */
export function parseHeaderLines(text: string): { headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  let i = 0
  for (; i < lines.length; i++) {
    const line = lines[i]
    if (line.trim() === '') {
      if (Object.keys(headers).length > 0) break
      continue
    }
    if (/^(HTTP\/\d|[A-Z]+ \S+ HTTP\/\d)/.test(line)) continue
    const colon = line.indexOf(':')
    if (colon <= 0) throw new MpgError('usage', `Not a header line: "${line.slice(0, 60)}"`, { suggestion: 'Write each header as "Name: value", e.g. --header "X-Mpesa-Gateway-Signature: 5d41…"' })
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const rest = lines.slice(i + 1).join('\n')
  return { headers, body: i < lines.length && rest.length > 0 ? rest : undefined }
}

export interface VerifyRequestInput {
  secret: string
  bodyFile?: string
  headers: string[]
  headersFile?: string
  otherSecrets?: string[]
  toleranceSeconds?: number
}

/** Explains whether a received delivery's signatures are valid, and why not. */
export async function verifyWebhookRequest(input: VerifyRequestInput): Promise<SignatureExplanation> {
  const saved = input.headersFile ? parseHeaderLines((await readInput(input.headersFile, 'headers')).toString('utf8')) : { headers: {} }
  const given = parseHeaderLines(input.headers.join('\n')).headers
  const headers = { ...saved.headers, ...given }
  let rawBody: Buffer | undefined
  if (input.bodyFile) rawBody = await readInput(input.bodyFile, 'body')
  else if (saved.body !== undefined) rawBody = Buffer.from(saved.body, 'utf8')
  if (!rawBody) throw new MpgError('usage', 'No body to verify', { suggestion: 'Pass --body-file with the raw request body (or a --headers-file holding the whole saved request)' })
  if (!input.secret) throw new MpgError('usage', 'No secret', { suggestion: 'Pass --secret whsec_… (the secret shown when the endpoint was created)' })
  return explainWebhookSignature({ rawBody, headers, secret: input.secret, otherSecrets: input.otherSecrets, toleranceSeconds: input.toleranceSeconds })
}
