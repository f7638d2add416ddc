import { BoundedList, BoundedMap, KeyRing } from './bounded.js'
import type { C2bPayment, C2bRegistration } from './c2b.js'
import { Ledgers } from './ledger.js'
import type { B2cOutcome, StkOutcome } from './scenarios.js'

export type TransactionStatus = 'pending' | 'held' | 'completed'

export interface StkTransaction {
  checkoutRequestId: string
  merchantRequestId: string
  shortcode: string
  /** The credit party: the paybill (= shortcode) or, for CustomerBuyGoodsOnline, the till. */
  partyB: string
  phone: string
  amount: number
  callbackUrl: string
  accountReference: string
  outcome: StkOutcome
  status: TransactionStatus
  resultCode: number | null
  resultDesc: string | null
  receipt: string | null
  createdAt: Date
  completedAt: Date | null
}

export interface B2cTransaction {
  version: 'v1' | 'v3'
  conversationId: string
  originatorConversationId: string
  partyA: string
  partyB: string
  amount: number
  resultUrl: string
  outcome: B2cOutcome
  status: TransactionStatus
  resultCode: number | null
  resultDesc: string | null
  /** Receipt, known from the start (a failed result carries one too). */
  transactionId: string
  utilityBalanceAfter: number
  createdAt: Date
  completedAt: Date | null
}

/** One Daraja API call as the emulator saw and answered it. */
export interface RequestEntry {
  id: number
  at: string
  method: string
  /** Path with the query string. */
  path: string
  /** The Daraja endpoint it reached, or null for an unknown path. */
  endpoint: 'oauth' | 'stk_push' | 'stk_query' | 'b2c_v1' | 'b2c_v3' | 'transaction_status' | 'account_balance' | 'reversal' | 'c2b_register_v1' | 'c2b_register_v2' | 'c2b_simulate_v1' | 'c2b_simulate_v2' | null
  status: number
  request: { headers: Record<string, string>; body: unknown }
  response: { body: unknown }
  duration_ms: number
}

/** Everything one emulator instance remembers; `reset()` forgets all but issued tokens and id counters. */
export class EmulatorState {
  readonly stk: BoundedMap<string, StkTransaction>
  readonly b2c: BoundedMap<string, B2cTransaction>
  /** v3 OriginatorConversationIDs already used (Daraja refuses a reuse). */
  readonly originatorIds: BoundedMap<string, true>
  /** token → expiry (epoch ms). Kept across reset so a client's cached token stays valid. */
  readonly tokens: BoundedMap<string, number>
  readonly requests: BoundedList<RequestEntry>
  /** C2B URLs by shortcode, and the simulated C2B payments by TransID. */
  readonly c2bRegistrations = new Map<string, C2bRegistration>()
  readonly c2b: BoundedMap<string, C2bPayment>
  /** One ledger per shortcode, and the payments a reversal can find. */
  readonly ledgers: Ledgers
  /**
   * The STK and B2C transactions that have finished, oldest first: past `maxFinishedTransactions`
   * of a kind the oldest finished one is forgotten, while those still in flight stay (up to
   * `maxTransactions`). A busy emulator otherwise keeps every finished record until
   * `maxTransactions`, and its garbage collector marks and moves all of them again and again.
   */
  readonly #stkFinished: KeyRing<string>
  readonly #b2cFinished: KeyRing<string>
  #requestSeq = 0

  constructor(limits: { maxTransactions: number; maxFinishedTransactions: number; maxJournal: number }) {
    this.stk = new BoundedMap(limits.maxTransactions)
    this.b2c = new BoundedMap(limits.maxTransactions)
    this.originatorIds = new BoundedMap(limits.maxTransactions * 10)
    this.tokens = new BoundedMap(10_000)
    // Receipts come only from finished payments: as many as the finished records that carry them.
    this.ledgers = new Ledgers(Math.min(limits.maxTransactions, limits.maxFinishedTransactions) * 3)
    this.#stkFinished = new KeyRing(limits.maxFinishedTransactions, (id) => {
      if (this.stk.get(id)?.status === 'completed') this.stk.delete(id)
    })
    this.#b2cFinished = new KeyRing(limits.maxFinishedTransactions, (id) => {
      if (this.b2c.get(id)?.status === 'completed') this.b2c.delete(id)
    })
    this.c2b = new BoundedMap(limits.maxTransactions)
    this.requests = new BoundedList(limits.maxJournal)
  }

  /** An STK transaction reached its result (called again by a late success: the ring forgets it once). */
  stkFinished(txn: StkTransaction): void {
    this.#stkFinished.push(txn.checkoutRequestId)
  }

  b2cFinished(txn: B2cTransaction): void {
    this.#b2cFinished.push(txn.conversationId)
  }

  nextRequestId(): number {
    return ++this.#requestSeq
  }

  reset(): void {
    this.stk.clear()
    this.b2c.clear()
    this.#stkFinished.clear()
    this.#b2cFinished.clear()
    this.originatorIds.clear()
    this.requests.clear()
    this.ledgers.reset()
    this.c2bRegistrations.clear()
    this.c2b.clear()
  }
}
