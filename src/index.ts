/** `mpesa-gateway`: the curated public surface of the library. */
export { createGateway, type GatewayOptions, type RunningGateway } from './gateway/create-gateway.js'
export { createFetchHandler, type FetchHandler, type FetchHandlerOptions } from './gateway/fetch-handler.js'
export { roundSummarySchema, type RoundSummary } from './schemas/round.js'
export { GatewayClient, GatewayApiError, admin, webhooks, type GatewayClientOptions, type StkPushInput, type Account, type ApiKey, type PayoutAccountInput } from './client/index.js'
export { MpgError, type ErrorKind } from './errors.js'
export { createVirtualClock, type VirtualClock, type VirtualClockOptions, type AdvanceReport } from './utils/virtual-clock.js'
export type { Clock, Timer } from './utils/clock.js'
export * from './schemas/gateway.js'
export * as daraja from './schemas/daraja.js'
export { normalizePhone } from './utils/phone.js'
export { splitFee } from './utils/money.js'
export { explainWebhookSignature, type SignatureExplanation, type SchemeVerdict, type SignatureFinding, type ExplainWebhookSignatureInput } from './webhooks/explain.js'
export { verifyWebhookSignature, WebhookSignatureError, type VerifyWebhookSignatureInput, type WebhookSignatureErrorCode } from './webhooks/signature.js'
export {
  webhookEventSchema,
  eventTypeSchema,
  createWebhookBodySchema,
  webhookEndpointSchema,
  createdWebhookEndpointSchema,
  webhookDeliverySchema,
  deliveryAttemptSchema,
  type WebhookEvent,
  type WebhookEndpoint,
  type CreatedWebhookEndpoint,
  type WebhookDelivery,
  type CreateWebhookBody,
} from './schemas/webhooks.js'
export { parseSse, type SseMessage, type EventStreamItem, type EventStreamOptions } from './client/index.js'
export type { EventType } from './schemas/webhooks.js'
export type { Mode, PayoutAccount } from './store/records.js'
