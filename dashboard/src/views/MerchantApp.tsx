import { useEffect, useMemo, useState } from 'preact/hooks'
import { LiveContext, LiveEvents } from '../live'
import { href, useRoute } from '../route'
import type { Session } from '../session'
import { followEvents, type StreamState } from '../stream'
import { ErrorBox } from './parts'
import { Overview } from './Overview'
import { TransactionPage } from './TransactionPage'
import { Transactions } from './Transactions'
import { WebhookPage } from './WebhookPage'
import { Webhooks } from './Webhooks'

const SECTIONS = [
  ['overview', 'Overview'],
  ['transactions', 'Transactions'],
  ['webhooks', 'Webhooks'],
] as const

function StreamIndicator({ state }: { state: StreamState }) {
  const text = state.state === 'live' ? 'Live' : state.state === 'connecting' ? 'Connecting…' : state.state === 'reconnecting' ? 'Reconnecting…' : 'Offline'
  return (
    <span class={`stream stream-${state.state}`} role="status" aria-live="polite">
      {text}
    </span>
  )
}

export function MerchantApp({ session, onSignOut }: { session: Extract<Session, { kind: 'key' }>; onSignOut: () => void }) {
  const live = useMemo(() => new LiveEvents(), [])
  const [stream, setStream] = useState<StreamState>({ state: 'connecting' })
  const route = useRoute()
  const section = route[0] ?? 'transactions'
  const { info, token } = session

  useEffect(() => followEvents(token, (e) => live.emit(e), setStream), [token, live])

  let view
  if (section === 'overview') view = <Overview token={token} />
  else if (section === 'webhooks' && route[1]) view = <WebhookPage token={token} id={route[1]} />
  else if (section === 'webhooks') view = <Webhooks token={token} mode={info.mode} />
  else if (section === 'transactions' && route[1]) view = <TransactionPage token={token} id={route[1]} />
  else view = <Transactions token={token} />

  return (
    <LiveContext.Provider value={live}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <div class="who">
          <span class="brand">mpesa-gateway</span>
          <span class="account" data-testid="account-name">
            {info.account.name}
          </span>
          <span class={`badge mode-${info.mode}`} data-testid="mode-badge">
            {info.mode === 'live' ? 'LIVE' : 'TEST'}
          </span>
          <StreamIndicator state={stream} />
        </div>
        <nav aria-label="Sections">
          {SECTIONS.map(([id, label]) => (
            <a href={href(id)} aria-current={section === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" class="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {stream.state === 'stopped' && <ErrorBox error={stream.error} />}
      <main id="main" tabIndex={-1}>
        {view}
      </main>
    </LiveContext.Provider>
  )
}
