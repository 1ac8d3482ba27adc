//! The API types of cadences 跟进节奏, templates and consent.

use crate::api::schema::prelude::*;

schema!(Cadence, "A cadence: its name, when customers leave it, its steps, and how many are in it.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Cadence id"))
            .property("name", string("Name"))
            .property("description", string("What it is for"))
            .property("exit_on_reply", ObjectBuilder::new().schema_type(Type::Boolean))
            .property("exit_on_buy", ObjectBuilder::new().schema_type(Type::Boolean))
            .property("exit_on_visit", ObjectBuilder::new().schema_type(Type::Boolean))
            .property(
                "steps",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("delay_days", integer("Days after the previous step (after joining for the first)"))
                        .property("kind", string("email, sms or task"))
                        .property("template_id", integer("The template a message step sends"))
                        .property("task_title", string("What a task step asks the owner to do")),
                ),
            )
            .property("active", integer("Customers in it now"))
            .property("enrolled", integer("Customers ever enrolled"))
            .build(),
    )
});

schema!(EnrolInput, "Whom to enrol: customer ids.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("customers", ArrayBuilder::new().items(integer("Guanxi ID")))
            .required("customers")
            .build(),
    )
});

schema!(Enrolled, "How an enrolment went.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("enrolled", integer("Customers enrolled"))
            .property("already", integer("Customers already in it (not enrolled twice)"))
            .property("unknown", integer("Ids that are no customer, or a deleted one"))
            .build(),
    )
});

schema!(ConsentInput, "A customer's answer to marketing on a channel.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("channel", string("email, sms, wechat or letter"))
            .property("consent", string("given or withdrawn"))
            .property("consent_how", string("How it was given or withdrawn (required)"))
            .required("channel")
            .required("consent")
            .required("consent_how")
            .build(),
    )
});

schema!(Consent, "A customer's latest answer to marketing on a channel.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("channel", string("email, sms, wechat or letter"))
            .property("state", string("given or withdrawn"))
            .property("how", string("How"))
            .property("at", string("RFC 3339"))
            .property("recorded_by", integer("User id"))
            .build(),
    )
});

schema!(Enrolment, "A customer's time in a cadence with what each step did.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Enrolment id"))
            .property("cadence_id", integer("Cadence id"))
            .property("cadence_name", string("The cadence's name"))
            .property("customer_id", integer("Guanxi ID"))
            .property("customer_name", string("The customer's name"))
            .property(
                "left_because",
                string("null while in it; finished, replied, bought, visited, opted_out, by_hand"),
            )
            .property("next_step", integer("The next step's position, from 0"))
            .property("next_at", string("RFC 3339: when the next step is due"))
            .property("enrolled_at", string("RFC 3339"))
            .property("ended_at", string("RFC 3339"))
            .property(
                "events",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("position", integer("The step, from 0"))
                        .property("at", string("RFC 3339"))
                        .property("what", string("queued, skipped, task or left"))
                        .property("detail", string("Why it was skipped or left"))
                        .property("outbox_id", integer("The message put in the outbox"))
                        .property("task_id", integer("The task given")),
                ),
            )
            .build(),
    )
});
