/**
 * The client's pooled keep-alive connections. A CLI command closes them when it is done, so idle
 * sockets do not hold the process open; a later request opens new ones.
 */
export { closeOutboundConnections } from '../http/request.js'

/** A transport without a pool (GatewayClientOptions.send), for a process that sends one request and exits. */
export { sendOneShot } from '../http/one-shot-request.js'
