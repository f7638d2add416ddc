/**
 * The client's pooled keep-alive connections. A CLI command closes them when it is done, so idle
 * sockets do not hold the process open; a later request opens new ones.
 */
export { closeOutboundConnections } from '../http/request.js'
