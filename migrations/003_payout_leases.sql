-- Payouts are leased like deliveries: any instance may run a payout's next step (a B2C attempt
-- or a Transaction Status query), and no two run it at once.
--   payout_due_at       when that step is due (written by the gateway from the payout record);
--   payout_lease_owner  the worker running it, until payout_lease_until (database time).
alter table transactions
  add column payout_due_at timestamptz,
  add column payout_lease_owner text,
  add column payout_lease_until timestamptz;

-- Payouts stored before this migration: the same rule as payoutDueAt (src/store/payout-leases.ts).
update transactions
   set payout_due_at = coalesce(
         doc->'payout'->>'status_due_at',
         case when doc->'payout'->>'conversation_id' is not null then doc->'payout'->>'updated_at'
              else coalesce(doc->'payout'->>'next_attempt_at', doc->'payout'->>'created_at') end
       )::timestamptz
 where payout_status = 'pending' and doc->'payout'->>'type' = 'mpesa';

create index transactions_payout_due on transactions (payout_due_at) where payout_status = 'pending';
