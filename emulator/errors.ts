/**
 * Every Daraja error the emulator answers is built here, so the envelope
 * `{ requestId, errorCode, errorMessage }` and the exact strings live in one place.
 */
export interface DarajaErrorSpec {
  status: number
  errorCode: string
  errorMessage: string
}

export const DarajaErrors = {
  invalidGrantType: { status: 400, errorCode: '400.008.02', errorMessage: 'Invalid grant type passed' },
  invalidAuthentication: { status: 400, errorCode: '400.008.01', errorMessage: 'Invalid Authentication passed' },
  stkInvalidToken: { status: 404, errorCode: '404.001.03', errorMessage: 'Invalid Access Token' },
  resourceNotFound: { status: 404, errorCode: '404.001.01', errorMessage: 'Resource not found' },
  methodNotAllowed: { status: 405, errorCode: '405.001', errorMessage: 'Method Not Allowed' },
  merchantDoesNotExist: { status: 500, errorCode: '500.001.1001', errorMessage: 'Merchant does not exist' },
  wrongCredentials: { status: 500, errorCode: '500.001.1001', errorMessage: 'Wrong credentials' },
  subscriberLocked: {
    status: 500,
    errorCode: '500.001.1001',
    errorMessage: 'Unable to lock subscriber, a transaction is already in process for the current subscriber',
  },
  /** The older in-flight query answer (2018); today's sandbox sends it with an empty message, if at all. */
  beingProcessed: { status: 500, errorCode: '500.001.1001', errorMessage: 'The transaction is being processed' },
  inFlightEmpty: { status: 500, errorCode: '500.001.1001', errorMessage: '' },
  doesNotExist: { status: 500, errorCode: '500.001.1001', errorMessage: 'The transaction does not Exist' },
  duplicateOriginatorConversationId: { status: 500, errorCode: '500.002.1001', errorMessage: 'Duplicate OriginatorConversationID.' },
  spikeArrest: { status: 500, errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation' },
  internalServerError: { status: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error' },
} as const satisfies Record<string, DarajaErrorSpec>

/** B2C (and the other "org" APIs) answer a bad token with 401; the message ends in an empty tail. */
export const orgInvalidToken: DarajaErrorSpec = { status: 401, errorCode: '401.002.01', errorMessage: 'Error Occurred - Invalid Access Token - ' }

/** `400.002.02 Bad Request - Invalid <Field>`. */
export function invalidField(field: string): DarajaErrorSpec {
  return { status: 400, errorCode: '400.002.02', errorMessage: `Bad Request - Invalid ${field}` }
}

export interface EmResponse {
  status: number
  /** undefined: an empty body (OAuth's answer to unknown credentials). */
  body: unknown
  /** The answer is held back until this settles (a callback that must overtake the answer). */
  after?: Promise<unknown>
}

export function darajaError(spec: DarajaErrorSpec, requestId: string): EmResponse {
  return { status: spec.status, body: { requestId, errorCode: spec.errorCode, errorMessage: spec.errorMessage } }
}

/** Control-API errors: `{ error, hint?, detail? }`, never in Daraja's shape (they are ours). */
export class ControlError extends Error {
  readonly status: number
  readonly hint?: string
  readonly detail?: unknown
  constructor(status: number, message: string, hint?: string, detail?: unknown) {
    super(message)
    this.status = status
    this.hint = hint
    this.detail = detail
  }
}

export function controlErrorResponse(error: ControlError): EmResponse {
  const body: Record<string, unknown> = { error: error.message }
  if (error.hint) body.hint = error.hint
  if (error.detail !== undefined) body.detail = error.detail
  return { status: error.status, body }
}
