-- GET /api/v1/transactions?reference=… (exact match), newest first within an account and mode.
create index transactions_reference on transactions (account_id, mode, (doc->>'reference'), ord desc);
