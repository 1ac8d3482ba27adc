//! The API types of competitors and customers' engagements with them: the OpenAPI schemas of the
//! bodies `api/competitors.rs` takes and gives.

use crate::api::schema::prelude::*;

schema!(
    CompetitorInput,
    "A competitor's fields; on PATCH only those to change.",
    record(&crate::pages::competitors::competitor_fields(), &[], false, &[])
);

schema!(Competitor, "A competitor: the six levels of understanding and the evidence.", {
    let mut s =
        record(&crate::pages::competitors::competitor_fields(), &[Field::Name], true, &[("updated_at", "RFC 3339")]);
    if let Schema::Object(o) = &mut s {
        o.properties.insert("levels_known".into(), integer("How many of the six levels are filled in").into());
        o.properties.insert("engaged_customers".into(), integer("Customers engaged with it now").into());
    }
    s
});

schema!(
    EngagementInput,
    "A customer's engagement with a competitor.",
    record(crate::pages::competitors::ENGAGEMENT_FIELDS, &[Field::Competitor, Field::Engagement], false, &[])
);

schema!(Engagement, "A customer's engagement with a competitor.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Engagement id"))
            .property("customer_id", integer("Guanxi ID"))
            .property("customer_name", string("The customer's name"))
            .property("competitor_id", integer("Competitor id"))
            .property("competitor_name", string("The competitor's name"))
            .property("engagement", field_property(Field::Engagement))
            .property("since", string("YYYY-MM-DD"))
            .property("until", string("YYYY-MM-DD; null while current"))
            .property("notes", string("Notes"))
            .build(),
    )
});
