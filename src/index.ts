/** `mpesa-gateway`: the curated public surface of the library. */
export { createGateway, type GatewayOptions, type RunningGateway } from './gateway/create-gateway.js'
export { GatewayClient, GatewayApiError, admin, type GatewayClientOptions, type StkPushInput, type Account, type ApiKey, type PayoutAccountInput } from './client/index.js'
export { MpgError, type ErrorKind } from './errors.js'
export * from './schemas/gateway.js'
export * as daraja from './schemas/daraja.js'
export { normalizePhone } from './utils/phone.js'
export { splitFee } from './utils/money.js'
export { verifyWebhookSignature, WebhookSignatureError, type VerifyWebhookSignatureInput, type WebhookSignatureErrorCode } from './webhooks/signature.js'
