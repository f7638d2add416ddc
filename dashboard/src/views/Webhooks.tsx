import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError, call, EVENT_TYPES, type Endpoint } from '../api'
import { time } from '../format'
import { href } from '../route'
import { ErrorBox, SecretOnce, TableScroll } from './parts'

/** The emulator's and sandbox's phone that always pays: a test payment whose event reaches the endpoints. */
const TEST_PHONE = '254708374149'

export function Webhooks({ token, mode }: { token: string; mode: 'test' | 'live' }) {
  const [endpoints, setEndpoints] = useState<Endpoint[]>([])
  const [url, setUrl] = useState('')
  const [events, setEvents] = useState<string[]>([])
  const [created, setCreated] = useState<(Endpoint & { secret: string }) | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState('')

  const load = useCallback(async () => {
    try {
      setEndpoints((await call<{ data: Endpoint[] }>(token, 'GET', '/api/v1/webhooks')).data.filter((e) => !e.deleted_at))
    } catch (e) {
      if (e instanceof ApiError) setError(e)
    }
  }, [token])
  useEffect(() => void load(), [load])

  const run = async (action: () => Promise<void>) => {
    setError(null)
    setNotice('')
    try {
      await action()
    } catch (e) {
      if (e instanceof ApiError) setError(e)
    }
  }

  const add = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      setCreated(await call<Endpoint & { secret: string }>(token, 'POST', '/api/v1/webhooks', { url: url.trim(), events }))
      setUrl('')
      setEvents([])
      await load()
    })
  }

  const remove = (endpoint: Endpoint) =>
    void run(async () => {
      await call(token, 'DELETE', `/api/v1/webhooks/${encodeURIComponent(endpoint.id)}`)
      setNotice(`Removed ${endpoint.url}`)
      await load()
    })

  const enable = (endpoint: Endpoint) =>
    void run(async () => {
      await call(token, 'POST', `/api/v1/webhooks/${encodeURIComponent(endpoint.id)}/enable`)
      setNotice(`Enabled ${endpoint.url}: new events are delivered to it again`)
      await load()
    })

  const sendTest = () =>
    void run(async () => {
      const reference = `dashboard-test-${Date.now().toString(36)}`
      await call(token, 'POST', '/api/v1/stk-push', { amount: 1, phone: TEST_PHONE, reference, description: 'Dashboard test event' }, { 'idempotency-key': reference })
      setNotice(`Test payment ${reference} sent: its payment.success event goes to every endpoint that takes it.`)
    })

  const toggle = (type: string, on: boolean) => setEvents((current) => (on ? [...current, type] : current.filter((t) => t !== type)))

  return (
    <section aria-labelledby="wh-title">
      <h1 id="wh-title">Webhooks</h1>
      {created && <SecretOnce label={`Signing secret of ${created.url}`} secret={created.secret} onDone={() => setCreated(null)} />}
      {error && <ErrorBox error={error} />}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <form class="card" onSubmit={add} aria-labelledby="add-title">
        <h2 id="add-title">Add an endpoint</h2>
        <label for="endpoint-url">Endpoint URL</label>
        <input id="endpoint-url" type="url" required placeholder="https://shop.example/hooks/mpesa" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
        <fieldset>
          <legend>Events (none checked: all)</legend>
          {EVENT_TYPES.map((type) => (
            <label class="check">
              <input type="checkbox" checked={events.includes(type)} onChange={(e) => toggle(type, (e.target as HTMLInputElement).checked)} />
              {type}
            </label>
          ))}
        </fieldset>
        <button type="submit">Add endpoint</button>
      </form>
      <h2>Endpoints</h2>
      {endpoints.length === 0 ? (
        <p class="muted">No endpoint yet.</p>
      ) : (
        <TableScroll label="Webhook endpoints">
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {endpoints.map((endpoint) => (
                <tr key={endpoint.id} data-id={endpoint.id}>
                  <td class="url">
                    <a href={href('webhooks', endpoint.id)}>{endpoint.url}</a>
                  </td>
                  <td>
                    {endpoint.events.length ? endpoint.events.join(', ') : 'all'}
                    {endpoint.disabled_at && <span class="badge status-failed">disabled {time(endpoint.disabled_at)}</span>}
                  </td>
                  <td>{time(endpoint.created_at)}</td>
                  <td>
                    <div class="actions">
                      <a class="button secondary" href={href('webhooks', endpoint.id)} aria-label={`Deliveries of ${endpoint.url}`}>
                        Deliveries
                      </a>
                      {endpoint.disabled_at && (
                        <button type="button" onClick={() => enable(endpoint)} aria-label={`Enable ${endpoint.url}`}>
                          Enable
                        </button>
                      )}
                      <button type="button" class="danger" onClick={() => remove(endpoint)} aria-label={`Remove ${endpoint.url}`}>
                        Remove
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <div class="card">
        <h2>Send a test event</h2>
        <p class="muted">
          Makes a KES 1 test payment from {TEST_PHONE}, the phone that always pays; its <code>payment.success</code> event is delivered to every endpoint that
          takes it, and shows in their delivery logs.
        </p>
        <button type="button" onClick={sendTest} disabled={mode !== 'test'}>
          Send test event
        </button>
        {mode !== 'test' && <p class="muted">Test events need a test key.</p>}
      </div>
    </section>
  )
}
