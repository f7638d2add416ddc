import { GatewayClient } from '../client/gateway-client.js'
import { resolveSettings, type SettingsInput } from '../cli/settings.js'

/** A gateway client built from flags > environment > profile; the one way commands reach the gateway. */
export function connect(flags: SettingsInput['flags']): GatewayClient {
  const settings = resolveSettings({ flags })
  return new GatewayClient({
    baseUrl: settings.baseUrl.value,
    apiKey: settings.apiKey?.value,
    adminToken: settings.adminToken?.value,
  })
}
