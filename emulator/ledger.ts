import { BoundedMap } from './bounded.js'

/** The five accounts of an M-Pesa organisation, in KES. */
export interface OrgAccounts {
  working: number
  float: number
  utility: number
  chargesPaid: number
  settlement: number
}

/** Every shortcode starts with the same funds (the figures of Safaricom's B2C sample, and enough to pay out). */
export const INITIAL_ACCOUNTS: Readonly<OrgAccounts> = { working: 1_199_371, float: 0, utility: 10_000_000, chargesPaid: -1_980, settlement: 0 }

const round2 = (n: number) => Math.round(n * 100) / 100

/** One received or paid-out payment, by its receipt: what a reversal needs to know. */
export interface LedgerPayment {
  receipt: string
  kind: 'stk' | 'c2b' | 'b2c'
  /** The organisation whose account the payment moved. */
  shortcode: string
  /** The customer's side, for the reversal result's CreditPartyPublicName. */
  msisdn: string
  amount: number
  reversed: boolean
}

/**
 * One ledger per shortcode: money paid in by STK push and C2B lands in the Utility Account, B2C
 * payouts leave it, reversals give a payment back. Account Balance reads it.
 */
export class Ledgers {
  readonly #accounts = new Map<string, OrgAccounts>()
  readonly payments: BoundedMap<string, LedgerPayment>

  constructor(maxPayments: number) {
    this.payments = new BoundedMap(maxPayments)
  }

  of(shortcode: string): OrgAccounts {
    let accounts = this.#accounts.get(shortcode)
    if (!accounts) {
      accounts = { ...INITIAL_ACCOUNTS }
      this.#accounts.set(shortcode, accounts)
    }
    return accounts
  }

  /** Money in: a paid STK prompt or C2B payment. */
  receive(payment: Omit<LedgerPayment, 'reversed'>): void {
    const accounts = this.of(payment.shortcode)
    accounts.utility = round2(accounts.utility + payment.amount)
    // A literal, not a spread that adds `reversed` (V8's slow path, ~1-3 µs, once per paid prompt).
    this.payments.set(payment.receipt, { receipt: payment.receipt, kind: payment.kind, shortcode: payment.shortcode, msisdn: payment.msisdn, amount: payment.amount, reversed: false })
  }

  /** Money out by B2C; false (and nothing moves) when the Utility Account cannot cover it. */
  payOut(payment: Omit<LedgerPayment, 'reversed' | 'kind'>): boolean {
    const accounts = this.of(payment.shortcode)
    if (accounts.utility < payment.amount) return false
    accounts.utility = round2(accounts.utility - payment.amount)
    this.payments.set(payment.receipt, { receipt: payment.receipt, kind: 'b2c', shortcode: payment.shortcode, msisdn: payment.msisdn, amount: payment.amount, reversed: false })
    return true
  }

  /** Gives a received payment back to the customer. */
  reverse(payment: LedgerPayment): void {
    const accounts = this.of(payment.shortcode)
    accounts.utility = round2(accounts.utility - payment.amount)
    payment.reversed = true
  }

  reset(): void {
    this.#accounts.clear()
    this.payments.clear()
  }
}

const money = (n: number) => n.toFixed(2)
const account = (name: string, amount: number) => `${name}|KES|${money(amount)}|${money(amount)}|0.00|0.00`

/** Daraja's `AccountBalance` value: `<Alias>|KES|<Current>|<Available>|<Reserved>|<Uncleared>`, joined by `&`. */
export function accountBalanceText(a: OrgAccounts): string {
  return [
    account('Working Account', a.working),
    account('Float Account', a.float),
    account('Utility Account', a.utility),
    account('Charges Paid Account', a.chargesPaid),
    account('Organization Settlement Account', a.settlement),
  ].join('&')
}

/** The reversal result's `DebitAccountBalance`: the Utility Account after the reversal. */
export function utilityAccountText(a: OrgAccounts): string {
  return account('Utility Account', a.utility)
}
