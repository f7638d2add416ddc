export { GatewayClient, type GatewayClientOptions, type StkPushInput, type CallOptions, type CallResult } from './gateway-client.js'
export { GatewayApiError } from './errors.js'
export { admin, type Account, type ApiKey, type PayoutAccountInput } from './admin.js'
