import type { Emulator } from '../emulator.js'
import type { EmResponse } from '../errors.js'

/** `GET /__emulator/c2b`: registered URLs by shortcode, and the simulated payments with how each ended. */
export function listC2b(em: Emulator): EmResponse {
  const registrations = [...em.state.c2bRegistrations.values()].map((r) => ({
    shortcode: r.shortcode,
    version: r.version,
    response_type: r.responseType,
    confirmation_url: r.confirmationUrl,
    validation_url: r.validationUrl,
    registered_at: r.registeredAt.toISOString(),
  }))
  const payments = [...em.state.c2b.values()].map((p) => ({
    trans_id: p.transId,
    shortcode: p.shortcode,
    command_id: p.commandId,
    amount: p.amount,
    msisdn: p.msisdn,
    bill_ref_number: p.billRefNumber,
    status: p.status,
    validation: p.validation,
    validation_result_code: p.validationResultCode,
    created_at: p.createdAt.toISOString(),
    completed_at: p.completedAt?.toISOString() ?? null,
  }))
  return { status: 200, body: { registrations, payments } }
}
