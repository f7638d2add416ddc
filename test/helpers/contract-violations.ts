import { existsSync, readFileSync } from 'node:fs'
import type { ContractViolation } from '../../src/gateway/contract-recorder.js'

/**
 * The drifts gateways recorded in a MPG_CONTRACT_CHECK_FILE, one line each (the same drift seen
 * several times counted once): `METHOD path → status: what differs (×n)`.
 */
export function readContractViolations(file: string): string[] {
  if (!existsSync(file)) return []
  const counts = new Map<string, number>()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue
    const v = JSON.parse(line) as ContractViolation
    const key = `${v.method} ${v.path} → ${v.status}: ${v.why}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].map(([key, n]) => (n > 1 ? `${key} (×${n})` : key))
}
