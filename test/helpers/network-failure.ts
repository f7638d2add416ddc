import { expect } from 'vitest'
import { NetworkError } from '../../src/http/request.js'

/** The NetworkError a request rejected with (and that it did reject with one). */
export async function networkFailure(promise: Promise<unknown>): Promise<NetworkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(NetworkError)
  return error as NetworkError
}
