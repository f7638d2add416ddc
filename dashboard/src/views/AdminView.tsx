import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError, call, type AdminAccount, type AdminKey } from '../api'
import { time } from '../format'
import { ErrorBox, SecretOnce, TableScroll } from './parts'

/** The admin token's view: accounts and their keys; create a key (shown once), revoke one. */
export function AdminView({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const [accounts, setAccounts] = useState<AdminAccount[]>([])
  const [keys, setKeys] = useState<AdminKey[]>([])
  const [error, setError] = useState<ApiError | null>(null)
  const [created, setCreated] = useState<string | null>(null)
  const [form, setForm] = useState({ account_id: '', mode: 'test', name: '' })

  const load = useCallback(async () => {
    try {
      const [a, k] = await Promise.all([call<{ data: AdminAccount[] }>(token, 'GET', '/api/v1/admin/accounts'), call<{ data: AdminKey[] }>(token, 'GET', '/api/v1/admin/keys')])
      setAccounts(a.data)
      setKeys(k.data)
      setForm((f) => (f.account_id ? f : { ...f, account_id: a.data[0]?.id ?? '' }))
    } catch (e) {
      if (e instanceof ApiError) setError(e)
    }
  }, [token])
  useEffect(() => void load(), [load])

  const run = async (action: () => Promise<void>) => {
    setError(null)
    try {
      await action()
      await load()
    } catch (e) {
      if (e instanceof ApiError) setError(e)
    }
  }

  const create = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      const body = { account_id: form.account_id, mode: form.mode, ...(form.name.trim() ? { name: form.name.trim() } : {}) }
      setCreated((await call<{ key: string }>(token, 'POST', '/api/v1/admin/keys', body)).key)
    })
  }
  const revoke = (key: AdminKey) => void run(async () => void (await call(token, 'POST', `/api/v1/admin/keys/${encodeURIComponent(key.id)}/revoke`)))

  return (
    <>
      <header class="top">
        <div class="who">
          <span class="brand">mpesa-gateway</span>
          <span class="badge mode-admin" data-testid="mode-badge">
            ADMIN
          </span>
        </div>
        <button type="button" class="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>Accounts and keys</h1>
        {error && <ErrorBox error={error} />}
        {created && <SecretOnce label="New API key" secret={created} onDone={() => setCreated(null)} />}
        <form class="card" onSubmit={create} aria-labelledby="new-key">
          <h2 id="new-key">Create a key</h2>
          <label for="key-account">Account</label>
          <select id="key-account" value={form.account_id} onChange={(e) => setForm({ ...form, account_id: (e.target as HTMLSelectElement).value })}>
            {accounts.map((a) => (
              <option value={a.id}>
                {a.name} ({a.id})
              </option>
            ))}
          </select>
          <label for="key-mode">Mode</label>
          <select id="key-mode" value={form.mode} onChange={(e) => setForm({ ...form, mode: (e.target as HTMLSelectElement).value })}>
            <option value="test">test</option>
            <option value="live">live</option>
          </select>
          <label for="key-name">Name (optional)</label>
          <input id="key-name" value={form.name} onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} />
          <button type="submit" disabled={!form.account_id}>
            Create key
          </button>
        </form>
        {accounts.map((a) => (
          <section class="card" aria-label={`Account ${a.name}`}>
            <h2>{a.name}</h2>
            <p class="muted">
              {a.id} · created {time(a.created_at)}
            </p>
            <TableScroll label={`Keys of ${a.name}`}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">Mode</th>
                    <th scope="col">Name</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {keys
                    .filter((k) => k.account_id === a.id)
                    .map((k) => (
                      <tr data-id={k.id}>
                        <td>
                          <code>{k.prefix}</code>
                        </td>
                        <td>{k.mode}</td>
                        <td>{k.name ?? '—'}</td>
                        <td>{time(k.last_used_at)}</td>
                        <td>
                          {k.revoked_at ? (
                            `revoked ${time(k.revoked_at)}`
                          ) : (
                            <button type="button" class="danger" onClick={() => revoke(k)} aria-label={`Revoke ${k.prefix}`}>
                              Revoke
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </TableScroll>
          </section>
        ))}
      </main>
    </>
  )
}
