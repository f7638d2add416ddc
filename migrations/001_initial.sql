-- The gateway's records. Each table keeps the whole record as JSON (`doc`, written by the
-- gateway) plus the columns it is looked up, ordered or claimed by. `json` rather than `jsonb`:
-- records are never queried inside, and `json` keeps them exactly as written.

create table meta (
  key text primary key,
  value text not null
);

create table accounts (
  id text primary key,
  ord bigserial not null,
  doc json not null
);

create table api_keys (
  id text primary key,
  hash text not null unique,
  ord bigserial not null,
  doc json not null
);

create table transactions (
  id text primary key,
  -- Insertion order: the transactions list pages newest first by it.
  ord bigserial not null,
  account_id text not null,
  mode text not null,
  status text not null,
  checkout_request_id text,
  callback_token text not null,
  payout_token text,
  payout_status text,
  created_at text not null,
  doc json not null
);
create index transactions_list on transactions (account_id, mode, ord desc);
create index transactions_checkout on transactions (checkout_request_id) where checkout_request_id is not null;
create index transactions_callback_token on transactions (callback_token);
create index transactions_payout_token on transactions (payout_token) where payout_token is not null;
create index transactions_pending on transactions (created_at) where status = 'pending';
create index transactions_payout_status on transactions (payout_status, ord) where payout_status is not null;

create table idempotency (
  scope text primary key,
  state text not null,
  created_at text not null,
  doc json not null
);
create index idempotency_in_flight on idempotency (created_at) where state = 'in_flight';

create table events (
  -- Store-wide order. Values are taken under a transaction-level advisory lock held until
  -- commit, so they become visible in order: a reader resuming after seq N never misses one.
  seq bigint primary key,
  id text not null unique,
  account_id text not null,
  mode text not null,
  doc json not null
);
create sequence events_seq owned by events.seq;
create index events_account on events (account_id, mode, seq);

create table webhook_endpoints (
  id text primary key,
  ord bigserial not null,
  account_id text not null,
  mode text not null,
  deleted boolean not null,
  doc json not null
);
create index webhook_endpoints_owner on webhook_endpoints (account_id, mode, ord) where not deleted;

create table deliveries (
  id text primary key,
  ord bigserial not null,
  event_id text not null,
  endpoint_id text not null,
  status text not null,
  next_attempt_at timestamptz,
  -- The worker holding this delivery, until when (database time): see claimDueDeliveries.
  lease_owner text,
  lease_until timestamptz,
  doc json not null
);
create index deliveries_event on deliveries (event_id);
create index deliveries_endpoint on deliveries (endpoint_id, ord);
create index deliveries_due on deliveries (next_attempt_at) where status = 'pending';
