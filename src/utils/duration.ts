/** Units a human duration may use: 500ms, 90s, 15m, 24h, 1d (and combinations: 1h30m). */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/

/**
 * Milliseconds of a duration written for people (`24h`, `90s`, `1d`, `1h30m`, `250ms`), or of a
 * plain number of milliseconds (`86400000`); undefined for anything else.
 */
export function parseDuration(text: string): number | undefined {
  const input = text.trim().toLowerCase()
  if (/^\d+$/.test(input)) return Number(input)
  if (!WHOLE.test(input)) return undefined
  let total = 0
  PART.lastIndex = 0
  for (let match = PART.exec(input); match; match = PART.exec(input)) total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
  return Math.round(total)
}

/** A duration in the largest units that say it exactly: 86400000 → `1d`, 5400000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  let left = Math.round(ms)
  const parts: string[] = []
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const n = Math.floor(left / UNIT_MS[unit])
    if (n > 0) parts.push(`${n}${unit}`)
    left -= n * UNIT_MS[unit]
  }
  return parts.join('')
}
