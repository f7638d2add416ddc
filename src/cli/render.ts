/** Plain aligned table for people; scripts use --json. */
export function renderTable(rows: Array<Record<string, unknown>>, columns: Array<{ key: string; header: string }>): string {
  if (rows.length === 0) return '(none)'
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v))
  const widths = columns.map((c) => Math.max(c.header.length, ...rows.map((r) => cell(r[c.key]).length)))
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd()
  return [line(columns.map((c) => c.header)), ...rows.map((r) => line(columns.map((c) => cell(r[c.key]))))].join('\n')
}

export function describePayoutAccount(p: Record<string, unknown> | null | undefined): string {
  if (!p) return 'none'
  switch (p.type) {
    case 'mpesa':
      return `M-Pesa ${p.phone}`
    case 'paybill':
      return `Paybill ${p.paybill} acc ${p.account_number}`
    case 'till':
      return `Till ${p.till}`
    case 'bank':
      return `Bank ${p.bank} acc ${p.account_number}`
    default:
      return JSON.stringify(p)
  }
}
