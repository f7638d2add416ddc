// Every request of the deployment lands here (vercel.json rewrites all paths to this function)
// and goes to the gateway's fetch handler: the same routes as `mpg serve`, on PostgreSQL.
import { waitUntil } from '@vercel/functions'
import { createFetchHandler } from 'mpesa-gateway'

// Created once per warm instance; the database connection opens at the first request.
// waitUntil keeps the function alive for a payout's first B2C after a Daraja callback is answered.
const handler = createFetchHandler({ waitUntil })

export default {
  fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    // The rewrite hands the dynamic segment over as a query parameter; it is not part of the API's query.
    if (url.searchParams.has('path') || url.searchParams.has('...path')) {
      url.searchParams.delete('path')
      url.searchParams.delete('...path')
      return handler(new Request(url, request))
    }
    return handler(request)
  },
}
