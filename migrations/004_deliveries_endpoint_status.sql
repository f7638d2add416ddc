-- An endpoint's delivery log filtered by status (GET /webhooks/:id/deliveries?status=failed) pages
-- newest first along this index. Along deliveries_endpoint alone, each row is read from the table
-- to check its status: a status that is rare on a busy endpoint meant reading most of its
-- 30 days of deliveries for one page.
create index deliveries_endpoint_status on deliveries (endpoint_id, status, ord);
