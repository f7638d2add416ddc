import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import type { ApiError } from '../api'

/** An API error as the API wrote it: what went wrong, and the next step. */
export function ErrorBox({ error }: { error: ApiError }) {
  return (
    <div class="error" role="alert">
      <strong>{error.error}</strong>
      {error.hint && <p>{error.hint}</p>}
      {error.detail && <p class="muted">{error.detail}</p>}
    </div>
  )
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.replace(/[^a-z_]/g, '')}`}>{status}</span>
}

/** A secret shown once: readable, selectable and copyable, with the warning that it will not come back. */
export function SecretOnce(props: { label: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no')
  const copy = async () => {
    try {
      // The clipboard needs a secure context (https or localhost): elsewhere the text is there to select.
      await navigator.clipboard.writeText(props.secret)
      setCopied('yes')
    } catch {
      setCopied('failed')
    }
  }
  return (
    <div class="secret card" role="region" aria-label={props.label}>
      <p>
        <strong>{props.label}</strong> — shown only this once. Store it now.
      </p>
      <code class="secret-value" data-testid="secret">
        {props.secret}
      </code>
      <div class="row">
        <button type="button" onClick={copy}>
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
        <button type="button" class="secondary" onClick={props.onDone}>
          I have stored it
        </button>
      </div>
      {copied === 'failed' && (
        <p class="muted" role="status">
          This browser refused the clipboard here: select the text above and copy it.
        </p>
      )}
    </div>
  )
}

/** A wide table that scrolls sideways on a phone, reachable by keyboard. */
export function TableScroll(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={props.label}>
      {props.children}
    </div>
  )
}
