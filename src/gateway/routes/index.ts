import type { Route } from '../route.js'
import accountGet from './account.get.js'
import adminAccountsGet from './admin-accounts.get.js'
import adminAccountsPost from './admin-accounts.post.js'
import adminKeyRevokePost from './admin-key-revoke.post.js'
import adminKeysGet from './admin-keys.get.js'
import adminKeysPost from './admin-keys.post.js'
import adminPayoutSettlePost from './admin-payout-settle.post.js'
import adminPayoutsGet from './admin-payouts.get.js'
import adminReconcilePost from './admin-reconcile.post.js'
import callbacksB2cReconcilePost from './callbacks-b2c-reconcile.post.js'
import callbacksB2cStatusPost from './callbacks-b2c-status.post.js'
import callbacksB2cTimeoutPost from './callbacks-b2c-timeout.post.js'
import callbacksB2cPost from './callbacks-b2c.post.js'
import callbacksStkPost from './callbacks-stk.post.js'
import cronTickRoutes from './cron-tick.js'
import dashboardRoutes from './dashboard.get.js'
import emulatorClockAdvancePost from './emulator-clock-advance.post.js'
import eventsStreamGet from './events-stream.get.js'
import healthGet from './health.get.js'
import openApiRoutes from './openapi.get.js'
import stkPushPost from './stk-push.post.js'
import transactionEventsGet from './transaction-events.get.js'
import transactionGet from './transaction.get.js'
import transactionsGet from './transactions.get.js'
import webhookDeliveriesResendPost from './webhook-deliveries-resend.post.js'
import webhooksDeliveriesGet from './webhooks-deliveries.get.js'
import webhooksEndpointDelete from './webhooks-endpoint.delete.js'
import webhooksEndpointEnable from './webhooks-endpoint-enable.post.js'
import webhooksGet from './webhooks.get.js'
import webhooksPost from './webhooks.post.js'

/** Every endpoint of the gateway. A new route file is added here. */
export const routes: Route[] = [
  healthGet,
  stkPushPost,
  transactionsGet,
  transactionGet,
  transactionEventsGet,
  accountGet,
  callbacksStkPost,
  callbacksB2cPost,
  callbacksB2cTimeoutPost,
  callbacksB2cStatusPost,
  callbacksB2cReconcilePost,
  adminAccountsPost,
  adminAccountsGet,
  adminKeysPost,
  adminKeysGet,
  adminKeyRevokePost,
  adminPayoutSettlePost,
  adminPayoutsGet,
  adminReconcilePost,
  webhooksPost,
  webhooksGet,
  webhooksEndpointDelete,
  webhooksEndpointEnable,
  webhooksDeliveriesGet,
  webhookDeliveriesResendPost,
  eventsStreamGet,
  emulatorClockAdvancePost,
  ...cronTickRoutes,
  ...dashboardRoutes,
  ...openApiRoutes,
]
