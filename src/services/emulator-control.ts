import { MpgError } from '../errors.js'
import { NetworkError, parseJsonBody, sendRequest } from '../http/request.js'

/**
 * The emulator's control API (`/__emulator/…`) for dev tools: arm a one-shot scenario, and
 * remove it again when nothing used it up.
 */
export async function armNextB2cResult(emulatorUrl: string, resultCode: number): Promise<string> {
  let res
  try {
    res = await sendRequest({
      method: 'POST',
      url: `${emulatorUrl}/__emulator/scenarios`,
      json: { product: 'b2c', next: true, result_code: resultCode },
      timeoutMs: 5000,
    })
  } catch (error) {
    throw new MpgError('unreachable', `The gateway's emulator at ${emulatorUrl} did not answer (${error instanceof NetworkError ? error.message : String(error)}).`, {
      suggestion: 'Check that the gateway (mpg serve) is running on the emulator.',
    })
  }
  const body = parseJsonBody(res.body) as { scenario?: { id?: string } } | undefined
  if (res.status !== 201 || typeof body?.scenario?.id !== 'string') {
    throw new MpgError('upstream', `The emulator refused the scenario (HTTP ${res.status}).`, { suggestion: 'Check that --base-url points at a gateway running on the emulator.' })
  }
  return body.scenario.id
}

export async function removeScenario(emulatorUrl: string, id: string): Promise<void> {
  // 404 means a request already used it up: nothing to do.
  await sendRequest({ method: 'DELETE', url: `${emulatorUrl}/__emulator/scenarios/${encodeURIComponent(id)}`, timeoutMs: 5000 }).catch(() => undefined)
}
