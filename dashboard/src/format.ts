export const money = (n: number): string => `KES ${n.toLocaleString('en-KE', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`

/** 254712345678 → 2547•••••678: enough to recognise a customer, not to call them. */
export const maskPhone = (phone: string): string => (phone.length > 7 ? `${phone.slice(0, 4)}${'•'.repeat(phone.length - 7)}${phone.slice(-3)}` : '•••')

export const time = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString('en-GB', { hour12: false }) : '—')

/** The first characters of a response body, for a log line. */
export const excerpt = (text: string | null, max = 120): string => (text == null ? '' : text.length > max ? `${text.slice(0, max)}…` : text)
