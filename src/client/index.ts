export { GatewayClient, type GatewayClientOptions, type StkPushInput, type CallOptions, type CallResult } from './gateway-client.js'
export { GatewayApiError } from './errors.js'
export { admin, type Account, type ApiKey, type PayoutAccountInput } from './admin.js'
export { parseSse, EVENT_STREAM_PATH, type SseMessage, type EventStreamItem, type EventStreamOptions } from './event-stream.js'
