/**
 * What a transaction's status and a list page's size may be: one list for the API's schemas, the
 * `transactions list` command's flags and the CLI's fast path, which must accept exactly what the
 * command accepts. Not part of the SDK's exports.
 */
export const TRANSACTION_STATUSES = ['pending', 'success', 'failed'] as const

export const TRANSACTION_LIST_LIMIT = { min: 1, max: 100, default: 20 } as const
