import { useEffect, useState } from 'preact/hooks'
import { ApiError } from './api'
import { forget, signIn, storedToken, type Session } from './session'
import { SignIn } from './views/SignIn'
import { MerchantApp } from './views/MerchantApp'
import { AdminView } from './views/AdminView'

export function App() {
  const [session, setSession] = useState<Session | null>(null)
  const [restoring, setRestoring] = useState(() => storedToken() !== null)
  const [error, setError] = useState<ApiError | null>(null)

  useEffect(() => {
    const token = storedToken()
    if (!token) return
    signIn(token)
      .then(setSession)
      .catch((e: unknown) => {
        forget()
        if (e instanceof ApiError) setError(e)
      })
      .finally(() => setRestoring(false))
  }, [])

  const signOut = () => {
    forget()
    setSession(null)
    setError(null)
    location.hash = ''
  }

  if (restoring) return <p class="loading" role="status">Loading…</p>
  if (!session)
    return (
      <SignIn
        initialError={error}
        onSignedIn={(s) => {
          setError(null)
          setSession(s)
        }}
      />
    )
  if (session.kind === 'admin') return <AdminView token={session.token} onSignOut={signOut} />
  return <MerchantApp session={session} onSignOut={signOut} />
}
