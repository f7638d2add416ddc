import { useState } from 'preact/hooks'
import { ApiError } from '../api'
import { signIn, type Session } from '../session'
import { ErrorBox } from './parts'

export function SignIn(props: { initialError: ApiError | null; onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(props.initialError)

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      props.onSignedIn(await signIn(token.trim()))
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err), '', ''))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="signin" id="main">
      <h1>mpesa-gateway</h1>
      <form onSubmit={submit} class="card">
        <label for="token">API key</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          aria-describedby="token-help"
        />
        <p id="token-help" class="muted">
          A key from <code>mpg serve</code> or <code>mpg keys create</code> (mpg_test_… / mpg_live_…), or the admin token for the admin view. It is kept in
          this tab only.
        </p>
        <button type="submit" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && <ErrorBox error={error} />}
      </form>
    </main>
  )
}
