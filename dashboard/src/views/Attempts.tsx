import type { Attempt } from '../api'
import { excerpt, time } from '../format'
import { TableScroll } from './parts'

/** Every attempt of a delivery: when, the HTTP status, how long, and the start of the answer. */
export function Attempts({ attempts }: { attempts: Attempt[] }) {
  if (attempts.length === 0) return <p class="muted">No attempt yet.</p>
  return (
    <TableScroll label="Delivery attempts">
      <table class="attempts">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">HTTP</th>
            <th scope="col">Duration</th>
            <th scope="col">Response</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => (
            <tr>
              <td>{time(a.at)}</td>
              <td>{a.status_code ?? '—'}</td>
              <td class="num">{a.duration_ms} ms</td>
              <td class="response">{a.error ? a.error : excerpt(a.response_body)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  )
}
