import { randomBytes, randomFillSync, randomInt } from 'node:crypto'
import { eatClockParts } from '../src/utils/daraja-time.js'
import { BoundedSet } from './bounded.js'

const DIGITS = '0123456789'
const UPPER_ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const LOWER_ALNUM = '0123456789abcdefghijklmnopqrstuvwxyz'

/** Random bytes drawn from one pool, refilled 4 KiB at a time, rather than one crypto call per character. */
const pool = Buffer.alloc(4096)
let poolAt = pool.length

function randomByte(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  return pool[poolAt++]
}

/** `length` characters of `alphabet` (at most 256 letters), each equally likely: bytes past the last whole multiple are skipped. */
function randomFrom(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length)
  let out = ''
  while (out.length < length) {
    const byte = randomByte()
    if (byte < limit) out += alphabet[byte % alphabet.length]
  }
  return out
}

/** `2ba8-4165-beca-292db11f9ef8`: the fixed part of Daraja's newer request ids. */
function hexPrefix(): string {
  const hex = randomBytes(12).toString('hex')
  return `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 24)}`
}

/** Text of the EAT clock that ids repeat for a whole second (or day): computed once per second. */
class SecondText {
  #second = Number.NaN
  #ddmmyyyyhhmmss = ''
  #receiptPrefix = ''
  #yyyymmdd = ''
  #update(date: Date): void {
    const second = Math.floor(date.getTime() / 1000)
    if (second === this.#second) return
    const p = eatClockParts(date)
    this.#second = second
    this.#ddmmyyyyhhmmss = `${p.day}${p.month}${p.year}${p.hour}${p.minute}${p.second}`
    this.#yyyymmdd = `${p.year}${p.month}${p.day}`
    this.#receiptPrefix = receiptPrefix(date)
  }
  /** YYYYMMDD in EAT. */
  yyyymmdd(date: Date): string {
    this.#update(date)
    return this.#yyyymmdd
  }
  /** DDMMYYYYHHmmss in EAT. */
  checkoutSecond(date: Date): string {
    this.#update(date)
    return this.#ddmmyyyyhhmmss
  }
  receiptPrefix(date: Date): string {
    this.#update(date)
    return this.#receiptPrefix
  }
}

/** Receipt letters of daraja.md §2.2: year (L = 2017 … U = 2026), month (A = Jan), day (1–9, A = 10 … V = 31). */
export function receiptPrefix(date: Date): string {
  const p = eatClockParts(date)
  const year = String.fromCharCode('L'.charCodeAt(0) + (Number(p.year) - 2017))
  const month = String.fromCharCode('A'.charCodeAt(0) + (Number(p.month) - 1))
  const day = Number(p.day)
  const dayChar = day <= 9 ? String(day) : String.fromCharCode('A'.charCodeAt(0) + (day - 10))
  return `${year}${month}${dayChar}`
}

/**
 * Makes ids in Daraja's formats. One factory per emulator instance; every id it makes is unique
 * within the instance, even for many requests in the same millisecond.
 */
export class IdFactory {
  readonly #prefix = hexPrefix()
  #counter = randomInt(1_000_000, 9_000_000)
  #lastSecond = ''
  #lastMs = -1
  readonly #receipts = new BoundedSet<string>(100_000)
  readonly #clockText = new SecondText()

  /** `xxxx-xxxx-xxxx-xxxxxxxxxxxx<counter>`: MerchantRequestID, error requestId, server OriginatorConversationID. */
  serverId(): string {
    this.#counter += 1
    return `${this.#prefix}${this.#counter}`
  }

  /**
   * `ws_CO_` + DDMMYYYYHHmmss (EAT) + milliseconds (not zero-padded) + last 9 digits of the MSISDN.
   * Within one second the millisecond part only grows, so two pushes never share an id; past 999
   * pushes in one second it grows to four digits rather than repeat.
   */
  checkoutRequestId(msisdn: string, now: Date): string {
    const second = this.#clockText.checkoutSecond(now)
    let ms = ((now.getTime() % 1000) + 1000) % 1000
    if (second === this.#lastSecond && ms <= this.#lastMs) ms = this.#lastMs + 1
    this.#lastSecond = second
    this.#lastMs = ms
    return `ws_CO_${second}${ms}${msisdn.slice(-9)}`
  }

  /** `AG_YYYYMMDD_` + 20 lower-case alphanumerics. */
  conversationId(now: Date): string {
    return `AG_${this.#clockText.yyyymmdd(now)}_${randomFrom(LOWER_ALNUM, 20)}`
  }

  /** A 10-character M-Pesa receipt (date letters, a digit, six alphanumerics), unique within this instance's recent receipts. */
  receipt(now: Date): string {
    const prefix = this.#clockText.receiptPrefix(now)
    for (;;) {
      const receipt = `${prefix}${randomFrom(DIGITS, 1)}${randomFrom(UPPER_ALNUM, 6)}`
      if (this.#receipts.has(receipt)) continue
      this.#receipts.add(receipt)
      return receipt
    }
  }

  /** 28 characters, like the tokens seen in real traffic. */
  accessToken(): string {
    return randomFrom(UPPER_ALNUM + LOWER_ALNUM.slice(10), 28)
  }
}
