import { B2C_OUTCOMES, B2C_TEST_NUMBERS, STK_OUTCOMES, STK_TEST_NUMBERS } from '../../emulator/scenarios.js'

/**
 * The emulator's test phones, read from its own scenario table, so `mpg trigger` and the help text
 * cannot drift from what the emulator does: the phone that always pays, and for each STK result
 * code a plain failure can end with (one callback, no hold, no synchronous refusal), its phone.
 */
function phonesByOutcome() {
  let paying: string | undefined
  const failing: Record<string, string> = {}
  for (const [phone, name] of Object.entries(STK_TEST_NUMBERS)) {
    const outcome = STK_OUTCOMES[name]
    if (outcome.callback !== 'once' || outcome.hold || outcome.syncError) continue
    if (outcome.resultCode === 0) paying ??= phone
    else failing[String(outcome.resultCode)] ??= phone
  }
  if (!paying) throw new Error('The emulator scenario table has no phone that always pays.')
  return { paying, failing }
}

const phones = phonesByOutcome()

/** The emulator test phone whose prompt is always paid. */
export const PAYING_PHONE = phones.paying

/** STK result code → the emulator test phone whose prompt ends with it. */
export const FAILURE_PHONES: Readonly<Record<string, string>> = phones.failing

/** The result codes `mpg trigger payment.failed --result-code` accepts, in the table's order. */
export const FAILURE_RESULT_CODES = Object.keys(FAILURE_PHONES)

/** "1032 cancelled, 1037 no answer, …" for help texts, from the emulator's own descriptions. */
export function describeFailureCodes(): string {
  return Object.entries(STK_TEST_NUMBERS)
    .filter(([phone]) => Object.values(FAILURE_PHONES).includes(phone))
    .map(([, name]) => `${STK_OUTCOMES[name].resultCode} ${name.replaceAll('_', ' ')}`)
    .join(', ')
}

/** The phone whose B2C payout the emulator fails (result 1, insufficient balance). */
export const B2C_FAILING_PHONE = (() => {
  const phone = Object.entries(B2C_TEST_NUMBERS).find(([, name]) => B2C_OUTCOMES[name].resultCode === 1)?.[0]
  if (!phone) throw new Error('The emulator scenario table has no B2C phone that fails with result 1.')
  return phone
})()

/** The phone whose prompt the emulator holds until `mpg emulator resolve`. */
export const HELD_PHONE = Object.entries(STK_TEST_NUMBERS).find(([, name]) => STK_OUTCOMES[name].hold)?.[0] ?? 'none'
