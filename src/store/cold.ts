import { StorageError } from './errors.js'
import { seal } from './frozen.js'
import { TextSlab } from './text-slab.js'

/**
 * Cold records: what a running gateway keeps but never reads on its hot path — every event (never
 * changed once made), finished deliveries, Idempotency-Keys whose answer is stored, finished
 * payments — are held as their JSON text (the very line of the snapshot or journal) plus a small
 * head of the fields the store's indexes and background passes look at. Only a call that reads
 * one (a transaction GET or list, event list or replay, delivery list, an idempotent replay)
 * parses it, each time, into a fresh frozen record.
 *
 * Why: parsed, each of them is a tree of 10–40 objects that the garbage collector traces on
 * every major GC and that start-up builds one by one; a string is one leaf (never traced), the
 * head one small object. Start-up and GC pauses fall; memory stays about the same (JSON text
 * repeats every key, objects share their layout).
 */
const RAW = Symbol('raw')
/** Where a cold record's text is in RAW (a snapshot's piece of lines, or the text itself). */
const FROM = Symbol('from')
const TO = Symbol('to')
/**
 * A head's `created_at` (and a payment's `reference`; read by retention, lists and filters only):
 * in a head made from a record, the value itself (CREATED; CREATED_AT is -1); in one read from its
 * line (coldOfText), where the value starts in the head's text (CREATED_AT), the string made each
 * time it is asked. Strings fewer kept per record: 336k of the ~1.1M objects the open of a
 * 48k-payment store made, each copied by two scavenges and marked by every full GC after.
 */
const CREATED = Symbol('created')
const CREATED_AT = Symbol('createdAt')
const REFERENCE = Symbol('reference')
const REFERENCE_AT = Symbol('referenceAt')


/** A cold record: the fields `H` of its record, and its JSON text (a Buffer: the bytes of a slab being filled, text-slab.ts). */
export type Cold<H> = H & { readonly [RAW]: string | Buffer; readonly [FROM]: number; readonly [TO]: number }

/** Each collection's cold-record head: the fields indexes, filters and retention read. */
export const HEAD_FIELDS = {
  transactions: ['id', 'account_id', 'mode', 'reference', 'status', 'callback_token', 'checkout_request_id', 'created_at', 'payout'],
  events: ['id', 'seq', 'account_id', 'mode', 'created_at'],
  deliveries: ['id', 'event_id', 'endpoint_id', 'status', 'created_at'],
  idempotency: ['scope', 'state', 'created_at'],
} as const

export type ColdCollection = keyof typeof HEAD_FIELDS

/** Payout states nothing moves on by itself (a person may still settle `needs_attention`: not final). */
const FINAL_PAYOUTS = new Set(['success', 'failed', 'settled'])
const hashed = (token: unknown) => typeof token === 'string' && token.startsWith('sha256:')

/** Whether a record of collection `c` is cold: it will not change on the hot path again. */
export function coolable(c: string, record: Record<string, unknown>): c is ColdCollection {
  if (c === 'events') return true
  if (c === 'transactions') {
    // A finished payment whose payout (if any) is finished too, its tokens stored hashed (a store
    // written before hashing is migrated at open, on parsed records).
    const payout = record.payout as { status?: string; callback_token?: string } | null | undefined
    return record.status !== 'pending' && hashed(record.callback_token) && (!payout || (FINAL_PAYOUTS.has(payout.status!) && (payout.callback_token === undefined || hashed(payout.callback_token))))
  }
  if (c === 'deliveries') return record.status !== 'pending'
  if (c === 'idempotency') return record.state === 'done'
  return false
}

/*
 * One class per collection's head: V8 keeps every field of an instance inside the object. Built as
 * a literal whose first key is computed (`{ [RAW]: … }`), or field by field, each head also got a
 * separate backing store for its fields (one more object per record for the GC, ~13% of the heap
 * a store holds). What every head shares (its text's place, `created_at`: see CREATED) is only
 * declared in Head, no initialiser and no slot of its own: each head's constructor sets it, in its
 * own order.
 */
abstract class Head {
  declare [RAW]: string | Buffer
  declare [FROM]: number
  declare [TO]: number
  declare [CREATED]: unknown
  declare [CREATED_AT]: number

  get created_at(): unknown {
    return this.fromText(this[CREATED], this[CREATED_AT])
  }

  /** A value kept as itself, or (`at` ≥ 0) as where it starts in the head's text (see CREATED). */
  protected fromText(value: unknown, at: number): unknown {
    if (at < 0) return value
    // A head read from a line keeps that line (or the snapshot's piece of lines it is in) as a
    // string: only heads made from records move into slabs.
    const raw = this[RAW] as string
    const from = this[FROM] + at
    return raw.slice(from, raw.indexOf('"', from))
  }
}

class TransactionHead extends Head {
  declare readonly id: unknown
  declare readonly account_id: unknown
  declare readonly mode: unknown
  declare readonly [REFERENCE]: unknown
  declare readonly [REFERENCE_AT]: number
  declare readonly status: unknown
  declare readonly callback_token: unknown
  declare readonly checkout_request_id: unknown
  /** The payout's status (null: no payout) and token, as fields of the head: an object of its own per payment was ~1 in 20 of a long run's live objects. */
  declare readonly payout_status: string | null
  declare readonly payout_callback_token: string | undefined
  /** `inText`: `reference` and `created` are where those values start in the text (see CREATED). */
  constructor(raw: string, from: number, to: number, id: unknown, account_id: unknown, mode: unknown, reference: unknown, status: unknown, callback_token: unknown, checkout_request_id: unknown, created: unknown, payoutStatus: string | null, payoutToken: string | undefined, inText = false) {
    super()
    // The fields first (the order JSON has them in), the text last.
    this.id = id
    this.account_id = account_id
    this.mode = mode
    this[REFERENCE] = inText ? undefined : reference
    this[REFERENCE_AT] = inText ? (reference as number) : -1
    this.status = status
    this.callback_token = callback_token
    this.checkout_request_id = checkout_request_id
    this[CREATED] = inText ? undefined : created
    this[CREATED_AT] = inText ? (created as number) : -1
    this.payout_status = payoutStatus
    this.payout_callback_token = payoutToken
    this[RAW] = raw
    this[FROM] = from
    this[TO] = to
  }

  get reference(): unknown {
    return this.fromText(this[REFERENCE], this[REFERENCE_AT])
  }

  /** What the payout indexes read of the payout, made when asked (only as the payment is stored). */
  get payout(): { status: string; callback_token: string | undefined } | null {
    return this.payout_status === null ? null : { status: this.payout_status, callback_token: this.payout_callback_token }
  }
}

class EventHead extends Head {
  declare readonly id: unknown
  declare readonly seq: unknown
  declare readonly account_id: unknown
  declare readonly mode: unknown
  constructor(raw: string, from: number, to: number, id: unknown, seq: unknown, account_id: unknown, mode: unknown, created: unknown, createdInText = false) {
    super()
    this.id = id
    this.seq = seq
    this.account_id = account_id
    this.mode = mode
    this[CREATED] = createdInText ? undefined : created
    this[CREATED_AT] = createdInText ? (created as number) : -1
    this[RAW] = raw
    this[FROM] = from
    this[TO] = to
  }
}

class DeliveryHead extends Head {
  declare readonly id: unknown
  declare readonly event_id: unknown
  declare readonly endpoint_id: unknown
  declare readonly status: unknown
  constructor(raw: string, from: number, to: number, id: unknown, event_id: unknown, endpoint_id: unknown, status: unknown, created: unknown, createdInText = false) {
    super()
    this.id = id
    this.event_id = event_id
    this.endpoint_id = endpoint_id
    this.status = status
    this[CREATED] = createdInText ? undefined : created
    this[CREATED_AT] = createdInText ? (created as number) : -1
    this[RAW] = raw
    this[FROM] = from
    this[TO] = to
  }
}

class IdempotencyHead extends Head {
  declare readonly scope: unknown
  declare readonly state: unknown
  constructor(raw: string, from: number, to: number, scope: unknown, state: unknown, created: unknown, createdInText = false) {
    super()
    this.scope = scope
    this.state = state
    this[CREATED] = createdInText ? undefined : created
    this[CREATED_AT] = createdInText ? (created as number) : -1
    this[RAW] = raw
    this[FROM] = from
    this[TO] = to
  }
}

/** A cold record from its JSON text and the parsed record (or at least its head fields). */
export function cold<H>(c: ColdCollection, raw: string, record: Record<string, unknown>): Cold<H> {
  const head = headOf(c, raw, record)
  // Its text joins the collection's slab (text-slab.ts), off the V8 heap once the slab is full.
  slabs[c].add(raw, head)
  return head as unknown as Cold<H>
}

function headOf(c: ColdCollection, raw: string, r: Record<string, unknown>): Cold<unknown> {
  if (c === 'transactions') {
    // Of the payout, only what the payout indexes read.
    const payout = r.payout as { status: string; callback_token?: string } | null | undefined
    return new TransactionHead(raw, 0, raw.length, r.id, r.account_id, r.mode, r.reference, r.status, r.callback_token, r.checkout_request_id, r.created_at, payout ? payout.status : null, payout ? payout.callback_token : undefined) as unknown as Cold<unknown>
  }
  if (c === 'events') return new EventHead(raw, 0, raw.length, r.id, r.seq, r.account_id, r.mode, r.created_at) as unknown as Cold<unknown>
  if (c === 'deliveries') return new DeliveryHead(raw, 0, raw.length, r.id, r.event_id, r.endpoint_id, r.status, r.created_at) as unknown as Cold<unknown>
  return new IdempotencyHead(raw, 0, raw.length, r.scope, r.state, r.created_at) as unknown as Cold<unknown>
}

/** A cold record's text moved into a slab (its Buffer while filled, then its string): where the text is in it. */
function moveText(head: Cold<unknown>, raw: string | Buffer, from: number): void {
  const moved = head as { -readonly [K in typeof RAW | typeof FROM | typeof TO]: Cold<unknown>[K] }
  const length = head[TO] - head[FROM]
  moved[RAW] = raw
  moved[FROM] = from
  moved[TO] = from + length
}

/**
 * One slab per collection: retention removes events, deliveries and keys oldest first, so a slab of
 * them is freed once all its records are gone, which payments (never removed) sharing it would prevent.
 */
const slabs: Record<ColdCollection, TextSlab<Cold<unknown>>> = {
  transactions: new TextSlab(moveText),
  events: new TextSlab(moveText),
  deliveries: new TextSlab(moveText),
  idempotency: new TextSlab(moveText),
}

/**
 * The head of a cold record read from its text without parsing it, when the text has the layout
 * the store writes (fields in the order the store makes them; no escapes in the head's values):
 * a start-up then reads history lines at the speed of a pattern check and a few indexOf, not of JSON.parse
 * building a tree it would throw away. Anything else (another field order, an escape, a record
 * still hot) gives undefined and is parsed. Each pattern is anchored at both ends of the line and
 * matches key tokens only where JSON puts keys (a `"` inside a string is always escaped), so on a
 * line that is JSON it reads the top-level fields and nothing else.
 */
const STRING = '"(?:[^"\\\\]|\\\\.)*"'
const PREFIX = {
  transactions: new RegExp(
    '^\\{"id":"([^"\\\\]*)","account_id":"([^"\\\\]*)","mode":"([^"\\\\]*)","reference":"([^"\\\\]*)","description":' +
      STRING +
      ',"phone":"[^"\\\\]*","amount":[-0-9.e]+,"platform_fee":[-0-9.e]+,"net_amount":[-0-9.e]+,"status":"([^"\\\\]*)","merchant_request_id":(?:null|' +
      STRING +
      '),"checkout_request_id":(?:null|"([^"\\\\]*)"),"customer_message":(?:null|' +
      STRING +
      '),"mpesa_receipt_number":(?:null|' +
      STRING +
      '),"result_code":(?:null|' +
      STRING +
      '),"result_desc":(?:null|' +
      STRING +
      '),"callback_token":"([^"\\\\]*)","created_at":"([^"\\\\]*)","completed_at":(?:null|"[^"\\\\]*"),"payout":(?:(null)|\\{"status":"([^"\\\\]*)")',
  ),
  events: /^\{"id":"([^"\\]*)","seq":(\d{1,15}),"account_id":"([^"\\]*)","mode":"([^"\\]*)","event":"[^"\\]*","created_at":"([^"\\]*)","data":\{/,
  deliveries: /^\{"id":"([^"\\]*)","event_id":"([^"\\]*)","endpoint_id":"([^"\\]*)","account_id":"[^"\\]*","mode":"[^"\\]*","event":"[^"\\]*","status":"([^"\\]*)","attempts":\[/,
  idempotency: /^\{"scope":"([^"\\]*)","fingerprint":"[^"\\]*","state":"([^"\\]*)",/,
}
/** The end of the line, from the last `,"created_at":"` on (`y`: matched exactly there). */
const SUFFIX = {
  deliveries: /,"created_at":"([^"\\]*)","updated_at":"[^"\\]*"\}$/y,
  idempotency: /,"created_at":"([^"\\]*)"\}$/y,
}

/** Characters from the end of a line within which SUFFIX usually starts (two timestamps and their keys: 80). */
const SUFFIX_CHARS = 96

/**
 * One string for each of the few values heads repeat (modes, states, accounts, endpoints): the
 * copies a pattern makes die young instead of being kept, one per record (the pool stops growing
 * at POOL_MAX values; past it a value is kept as it is). Each call site (`slot`) remembers the
 * value it got last: consecutive lines nearly always repeat it, and comparing two short strings
 * costs less than hashing one for the pool.
 */
const POOL_MAX = 4096
const pool = new Map<string, string>()
const recent = ['', '', '', '', '', '', '', '', '', '']
function pooled(value: string, slot: number): string {
  if (value === recent[slot]) return recent[slot]
  let known = pool.get(value)
  if (known === undefined) {
    if (pool.size < POOL_MAX) pool.set(value, value)
    known = value
  }
  recent[slot] = known
  return known
}

const PAYOUT_TOKEN_KEY = ',"callback_token":"'
const CREATED_AT_KEY = '","created_at":"'

/**
 * A cold record read from its text without parsing it (see PREFIX), or undefined when the text
 * does not have the store's own layout. Built as one object (the head's fields and the text), the
 * same shape `cold()` gives. `text` is at `from` in `source` (a snapshot's piece of lines): the
 * record keeps the piece and where its text is rather than the slice `text`, one string fewer
 * per record for the GC to copy and keep (it is sliced again when the record is read).
 */
export function coldOfText(c: ColdCollection, text: string, source = text, from = 0): Cold<unknown> | undefined {
  if (c === 'transactions') return transactionOfText(text, source, from)
  // Events, deliveries and Idempotency-Keys: the pattern checks the layout (no captures made), then
  // the fields are read where that layout puts them, each value ending at the next `"` (the
  // pattern allows none escaped in them), a repeated one compared in place (no string made).
  if (!PREFIX[c].test(text)) return undefined
  if (c === 'events') {
    if (text.charCodeAt(text.length - 1) !== 0x7d || text.charCodeAt(text.length - 2) !== 0x7d) return undefined
    const idEnd = text.indexOf('"', 7)
    // `","seq":` then 1–15 digits (an exact double).
    let seq = 0
    let at = idEnd + 8
    for (let ch = text.charCodeAt(at); ch >= 0x30 && ch <= 0x39; ch = text.charCodeAt(++at)) seq = seq * 10 + (ch - 0x30)
    const account = valueAt(text, at + 15, 4) // ,"account_id":"
    const mode = valueAt(text, valueEnd + 10, 5) // ","mode":"
    const createdAt = text.indexOf('"', valueEnd + 11) + 16 // ","event":"…","created_at":"
    return new EventHead(source, from, from + text.length, text.slice(7, idEnd), seq, account, mode, createdAt, true) as unknown as Cold<unknown>
  }
  const suffix = SUFFIX[c]
  // Looked for near the end first (V8's lastIndexOf walks back a character at a time): where the
  // suffix matches there it is the last one, since its values hold no `"`.
  let tail = text.indexOf(',"created_at":"', text.length - SUFFIX_CHARS)
  suffix.lastIndex = tail
  if (tail <= 0 || !suffix.test(text)) {
    tail = text.lastIndexOf(',"created_at":"')
    suffix.lastIndex = tail
    if (tail <= 0 || !suffix.test(text)) return undefined
  }
  // Where the value starts (see CREATED): the pattern allows no `"` or escape in it.
  const createdAt = tail + 15
  if (c === 'deliveries') {
    const idEnd = text.indexOf('"', 7)
    const eventEnd = text.indexOf('"', idEnd + 14) // ","event_id":"
    const endpoint = valueAt(text, eventEnd + 17, 6) // ","endpoint_id":"
    const accountEnd = text.indexOf('"', valueEnd + 16) // ","account_id":"
    const modeEnd = text.indexOf('"', accountEnd + 10) // ","mode":"
    const eventNameEnd = text.indexOf('"', modeEnd + 11) // ","event":"
    const status = valueAt(text, eventNameEnd + 12, 7) // ","status":"
    return new DeliveryHead(source, from, from + text.length, text.slice(7, idEnd), text.slice(idEnd + 14, eventEnd), endpoint, status, createdAt, true) as unknown as Cold<unknown>
  }
  const scopeEnd = text.indexOf('"', 10)
  const fingerprintEnd = text.indexOf('"', scopeEnd + 17) // ","fingerprint":"
  const state = valueAt(text, fingerprintEnd + 11, 8) // ","state":"
  return new IdempotencyHead(source, from, from + text.length, text.slice(10, scopeEnd), state, createdAt, true) as unknown as Cold<unknown>
}

/** Where the value valueAt read last ends (its closing quote). */
let valueEnd = 0

/** The string value starting at `from` (ending at the next `"`), pooled in `slot` (see pooled). */
function valueAt(text: string, from: number, slot: number): string {
  const end = text.indexOf('"', from)
  valueEnd = end
  const last = recent[slot]
  return end - from === last.length && text.startsWith(last, from) ? last : pooled(text.slice(from, end), slot)
}

/**
 * Past this length a transaction's line is parsed instead: the pattern's free-text fields match a
 * character at a time through V8's backtracking stack, which a line of some MB overflows (a
 * RangeError that stopped start-up).
 */
const PATTERN_MAX_CHARS = 256 * 1024

function transactionOfText(text: string, source: string, from: number): Cold<unknown> | undefined {
  if (text.length > PATTERN_MAX_CHARS) return undefined
  const m = PREFIX.transactions.exec(text)
  if (!m) return undefined
  if (text.charCodeAt(text.length - 1) !== 0x7d) return undefined
  let payoutStatus: string | null = null
  let token: string | undefined
  if (m[9] === undefined) {
    // The payout's token is its only `callback_token` key (the transaction's own comes before
    // the payout; nothing after it has one).
    const at = text.indexOf(PAYOUT_TOKEN_KEY, m[0].length)
    if (at >= 0) {
      const from = at + PAYOUT_TOKEN_KEY.length
      const to = text.indexOf('"', from)
      if (to < 0) return undefined
      token = text.slice(from, to)
      // An escape in it: read by JSON.parse instead.
      if (token.includes('\\')) return undefined
    }
    payoutStatus = pooled(m[10], 3)
  }
  // Where the reference and created_at values start (see CREATED): `{"id":"…","account_id":"…",
  // "mode":"…","reference":"`, then the first `","created_at":"` after it (every field between is a
  // scalar, and no `"` in a string value is unescaped).
  const referenceAt = 48 + m[1].length + m[2].length + m[3].length
  const createdAt = text.indexOf(CREATED_AT_KEY, referenceAt) + CREATED_AT_KEY.length
  return new TransactionHead(source, from, from + text.length, m[1], pooled(m[2], 0), pooled(m[3], 1), referenceAt, pooled(m[5], 2), m[7], m[6] ?? null, createdAt, payoutStatus, token, true) as unknown as Cold<unknown>
}

/** A cold record's text: its own string, or made from the piece of the snapshot it was read from. */
function textOf(value: Cold<unknown>): string {
  const raw = value[RAW]
  if (typeof raw !== 'string') return raw.toString('latin1', value[FROM], value[TO])
  return value[FROM] === 0 && value[TO] === raw.length ? raw : raw.slice(value[FROM], value[TO])
}

export function isCold(value: unknown): value is Cold<unknown> {
  return value !== null && typeof value === 'object' && RAW in value
}

/**
 * The record itself: a cold one parsed from its text (a fresh frozen copy every time). A text
 * that is not JSON (a snapshot damaged where start-up did not parse it) is refused naming `file`.
 */
export function decode<T>(value: T | Cold<unknown>, file = 'the store'): T {
  if (!isCold(value)) return value
  try {
    return seal(JSON.parse(textOf(value)) as T)
  } catch {
    throw damagedRecord(file, value)
  }
}

/** Whether a cold record's text is JSON (the check start-up leaves to after it, see LowdbEngine). */
export function isWhole(value: Cold<unknown>): boolean {
  try {
    JSON.parse(textOf(value))
    return true
  } catch {
    return false
  }
}

export function damagedRecord(file: string, value: Cold<unknown>): StorageError {
  const head = value as unknown as Record<string, unknown>
  const key = head.id ?? head.scope
  return new StorageError(
    'corrupt',
    `The store snapshot ${file} is damaged: the record ${JSON.stringify(key)} is not JSON.`,
    `Restore ${file} from a backup; the rest of the store is readable.`,
    { file },
  )
}

/** The JSON text of a stored record, hot or cold. */
export function jsonOf(value: object): string {
  return isCold(value) ? textOf(value) : JSON.stringify(value)
}
