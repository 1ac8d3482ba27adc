//! The API types of the outbox 发件箱: a message with where it is on its way out, and its
//! attempts.

use crate::api::schema::prelude::*;

schema!(
    OutboxMessage,
    "A message in the outbox: to whom, what, where it is on its way out (and, for one message, every attempt).",
    {
        Schema::Object(
            ObjectBuilder::new()
                .property("id", integer("Message id"))
                .property("key", string("What makes it this message of its cause (an idempotency key)"))
                .property("channel", string("email, sms, wechat or letter"))
                .property("purpose", string("marketing (needs consent), service or notice"))
                .property("customer_id", integer("Guanxi ID of the customer it goes to"))
                .property("customer_name", string("The customer's name"))
                .property("recipient", string("E-mail address, mobile number, WeChat id or postal address"))
                .property("recipient_name", string("Whom it is addressed to"))
                .property("subject", string("Subject"))
                .property("body", string("The text"))
                .property("template_ref", string("SMS and WeChat: the provider's template id"))
                .property(
                    "params",
                    ObjectBuilder::new()
                        .description(Some("SMS and WeChat: the template's parameters, merge field code → value"))
                        .additional_properties(Some(string("Value"))),
                )
                .property("cause", string("What made it: manual, test, cadence, notification…"))
                .property("cause_id", integer("The record that made it"))
                .property("state", string("queued, sending, sent, failed or cancelled"))
                .property("attempts", integer("Attempts made"))
                .property("max_attempts", integer("Attempts allowed before it fails"))
                .property("next_attempt_at", string("RFC 3339: when it is (next) due"))
                .property("last_error", string("The last failure in the server's own words"))
                .property("provider_ref", string("What the server called it (an e-mail's Message-ID)"))
                .property("sent_at", string("RFC 3339"))
                .property("interaction_id", integer("The contact on the customer's timeline, once sent"))
                .property("created_by", integer("User id"))
                .property("created_at", string("RFC 3339"))
                .property(
                    "attempts_made",
                    ArrayBuilder::new().items(
                        ObjectBuilder::new()
                            .property("attempt", integer("1, 2, …"))
                            .property("worker", string("The process that made it"))
                            .property("started_at", string("RFC 3339"))
                            .property("finished_at", string("RFC 3339"))
                            .property("outcome", string("sending, sent, retry, failed, or lost (its process stopped)"))
                            .property("detail", string("The Message-ID, or the server's words")),
                    ),
                )
                .build(),
        )
    }
);

schema!(OutboxPage, "A page of the outbox, newest first.", {
    Schema::Object(
        ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("OutboxMessage"))),
            )
            .property("total", integer("How many messages match"))
            .property("page", integer("This page, from 1"))
            .property("per_page", integer("Messages a page"))
            .build(),
    )
});

schema!(
    SendingRules,
    "The sending rules: quiet hours for SMS and WeChat and the weekly cap of marketing messages (all values as text).",
    record(guanxi_domain::outbox::gateway::RULES_FIELDS, &[], false, &[])
);
