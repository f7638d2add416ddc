import { call, type AccountInfo } from './api'

/** Who is signed in: a merchant's API key (with what it belongs to) or the admin token. */
export type Session = { kind: 'key'; token: string; info: AccountInfo } | { kind: 'admin'; token: string }

const STORAGE_KEY = 'mpg-dashboard-token'
const API_KEY = /^mpg_(test|live)_/

/**
 * Checks a key or the admin token against the API. Throws the API's own error for a wrong or
 * revoked one. The token is kept in sessionStorage only: never in a URL or a cookie.
 */
export async function signIn(token: string): Promise<Session> {
  const session: Session = API_KEY.test(token)
    ? { kind: 'key', token, info: await call<AccountInfo>(token, 'GET', '/api/v1/account') }
    : (await call(token, 'GET', '/api/v1/admin/accounts'), { kind: 'admin', token })
  sessionStorage.setItem(STORAGE_KEY, token)
  return session
}

export const storedToken = (): string | null => sessionStorage.getItem(STORAGE_KEY)

export function forget(): void {
  sessionStorage.removeItem(STORAGE_KEY)
}
