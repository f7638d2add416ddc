-- mpg:outside-transaction
-- An endpoint's delivery log filtered by status (GET /webhooks/:id/deliveries?status=failed) pages
-- newest first along this index. Along deliveries_endpoint alone, each row is read from the table
-- to check its status: a status that is rare on a busy endpoint meant reading most of its
-- 30 days of deliveries for one page.
--
-- Built concurrently, so running gateways keep storing deliveries (and finalising payments, whose
-- events' deliveries are stored in the same transaction) during the build; inside a transaction the
-- build would hold them all back (1.9 s at a million deliveries). A concurrent build cannot run in a
-- transaction, so each statement runs on its own, and a build interrupted part way leaves an invalid
-- index of this name with the migration not recorded: the next attempt drops it and builds anew.
drop index concurrently if exists deliveries_endpoint_status;
create index concurrently deliveries_endpoint_status on deliveries (endpoint_id, status, ord);
