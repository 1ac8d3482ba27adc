-- SMS and WeChat through a provider's gateway (issue #16): a template approved at the provider
-- is named by its id and filled with parameters; the outbox keeps both beside the text the
-- customer reads. Sending rules (quiet hours, the weekly cap) count a customer's marketing
-- messages of the last week by when they were sent.
ALTER TABLE outbox ADD COLUMN template_ref TEXT;
ALTER TABLE outbox ADD COLUMN params TEXT;
ALTER TABLE message_templates ADD COLUMN provider_template TEXT;
CREATE INDEX outbox_customer_sent ON outbox (customer_id, sent_at) WHERE purpose = 'marketing' AND customer_id IS NOT NULL;
