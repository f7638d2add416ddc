import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError, call, type Transaction, type TransactionPage, type TransactionStatus } from '../api'
import { maskPhone, money, time } from '../format'
import { useLiveEvents } from '../live'
import { href } from '../route'
import { ErrorBox, StatusBadge, TableScroll } from './parts'

const PAGE_SIZE = 20
/** New payments emit no event until they settle: the first page is re-read this often to show them. */
const REFRESH_MS = 2000
/** The search asks the API once typing pauses, not on every key. */
const SEARCH_DELAY_MS = 300

/** The API filters by status and by exact reference, so a search covers every page, not just the loaded ones. */
const listPath = (status: string, reference: string, cursor?: string) =>
  `/api/v1/transactions?limit=${PAGE_SIZE}${status ? `&status=${status}` : ''}${reference ? `&reference=${encodeURIComponent(reference)}` : ''}${
    cursor ? `&starting_after=${encodeURIComponent(cursor)}` : ''
  }`

/**
 * Newest first, without duplicates. With `replace`, incoming rows update the ones shown (events,
 * pages); without, only unknown rows are added, so a row's status changes come from the stream.
 */
function merge(current: Transaction[], incoming: Transaction[], replace = true): Transaction[] {
  const byId = new Map(current.map((t) => [t.id, t]))
  for (const t of incoming) if (replace || !byId.has(t.id)) byId.set(t.id, t)
  return [...byId.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0))
}

export function Transactions({ token }: { token: string }) {
  const [status, setStatus] = useState<'' | TransactionStatus>('')
  const [search, setSearch] = useState('')
  const [reference, setReference] = useState('')
  const [rows, setRows] = useState<Transaction[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [loaded, setLoaded] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)

  const refreshFirstPage = useCallback(
    async (reset: boolean) => {
      try {
        const page = await call<TransactionPage>(token, 'GET', listPath(status, reference))
        setRows((current) => (reset ? page.data : merge(current, page.data, false)))
        if (reset) setCursor(page.next_cursor)
        setError(null)
      } catch (e) {
        if (e instanceof ApiError) setError(e)
      } finally {
        setLoaded(true)
      }
    },
    [token, status, reference],
  )

  useEffect(() => {
    const timer = setTimeout(() => setReference(search.trim()), SEARCH_DELAY_MS)
    return () => clearTimeout(timer)
  }, [search])

  useEffect(() => {
    setLoaded(false)
    void refreshFirstPage(true)
    const timer = setInterval(() => void refreshFirstPage(false), REFRESH_MS)
    return () => clearInterval(timer)
  }, [refreshFirstPage])

  // A payment's settlement arrives on the event stream: update its row at once.
  useLiveEvents((e) => {
    if (!e.event.startsWith('payment.')) return
    const t = e.data as unknown as Transaction
    if (typeof t.id !== 'string') return
    setRows((current) => {
      if ((status && t.status !== status) || (reference && t.reference !== reference)) return current.filter((row) => row.id !== t.id)
      return merge(current, [t])
    })
  })

  const loadMore = async () => {
    if (!cursor) return
    try {
      const page = await call<TransactionPage>(token, 'GET', listPath(status, reference, cursor))
      setRows((current) => merge(current, page.data))
      setCursor(page.next_cursor)
    } catch (e) {
      if (e instanceof ApiError) setError(e)
    }
  }

  return (
    <section aria-labelledby="tx-title">
      <h1 id="tx-title">Transactions</h1>
      <div class="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as TransactionStatus | '')}>
            <option value="">All</option>
            <option value="pending">Pending</option>
            <option value="success">Success</option>
            <option value="failed">Failed</option>
          </select>
        </label>
        <label>
          Search reference
          <input type="search" maxLength={40} placeholder="Exact reference" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {error && <ErrorBox error={error} />}
      <TableScroll label="Transactions">
        <table class="stack">
          <thead>
            <tr>
              <th scope="col">Reference</th>
              <th scope="col">Amount</th>
              <th scope="col">Phone</th>
              <th scope="col">Status</th>
              <th scope="col">Receipt</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id} data-id={t.id}>
                <td data-label="Reference">
                  <a href={href('transactions', t.id)}>{t.reference}</a>
                </td>
                <td class="num" data-label="Amount">{money(t.amount)}</td>
                <td data-label="Phone">{maskPhone(t.phone)}</td>
                <td data-label="Status">
                  <StatusBadge status={t.status} />
                </td>
                <td data-label="Receipt">{t.mpesa_receipt_number ?? '—'}</td>
                <td data-label="Created">{time(t.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {loaded && rows.length === 0 && <p class="muted">{reference ? 'No transaction has exactly this reference.' : 'No transactions yet.'}</p>}
      <div class="row">
        {cursor && (
          <button type="button" class="secondary" onClick={loadMore}>
            Load more
          </button>
        )}
      </div>
    </section>
  )
}
