//! The API types of customers, their pages and their value: the OpenAPI schemas of the bodies
//! `api/customers.rs` takes and gives.

use crate::api::schema::prelude::*;

fn customer_input_fields() -> Vec<Field> {
    form::customer_fields()
}

schema!(CustomerInput, "A customer's fields; on PATCH only those to change (null or \"\" clears one).", {
    let mut s = record(&customer_input_fields(), &[], false, &[]);
    if let Schema::Object(o) = &mut s {
        o.properties.insert(
            "version".into(),
            integer("On PATCH: refuse with 409 if the customer changed since this version").into(),
        );
    }
    s
});

schema!(Customer, "A customer with its profile, tags and preferences.", {
    let mut s = record(
        &customer_input_fields(),
        &[Field::Kind, Field::Status, Field::Name],
        true,
        &[
            ("created_at", "RFC 3339"),
            ("updated_at", "RFC 3339"),
            ("deleted_at", "RFC 3339; set while in the recycle bin"),
        ],
    );
    if let Schema::Object(o) = &mut s {
        o.properties.insert("version".into(), integer("Increases with every change").into());
        o.properties.insert("merged_into_id".into(), integer("Set when merged into another customer").into());
    }
    s
});

schema!(CustomerSummary, "A customer as a line of a list.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Guanxi ID"))
            .property("kind", field_property(Field::Kind))
            .property("status", field_property(Field::Status))
            .property("name", string("Name"))
            .property("company", string("Company (organization name or employer)"))
            .property("phone", string("Phone"))
            .property("email", string("E-mail"))
            .property("city", string("City"))
            .property("owner", string("Owner's username"))
            .required("id")
            .required("kind")
            .required("name")
            .build(),
    )
});

schema!(CustomerPage, "One page of customers.", {
    Schema::Object(
        ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("CustomerSummary"))),
            )
            .property("total", integer("Matching customers; when total_capped, at least this many (lists count up to 10,000; searches consider the best 200 matches)"))
            .property("total_capped", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
            .property("page", integer("Page number, from 1"))
            .property("per_page", integer("Items per page"))
            .build(),
    )
});

schema!(Tag, "A tag and how many customers carry it.", {
    Schema::Object(ObjectBuilder::new().property("tag", string("Tag")).property("count", integer("Customers")).build())
});

schema!(CustomerValue, "A customer's value from the latest assessment; money in fen.", {
    let num = |d: &str| ObjectBuilder::new().schema_type(SchemaType::Type(Type::Number)).description(Some(d));
    Schema::Object(
        ObjectBuilder::new()
            .property("customer_id", integer("Guanxi ID"))
            .property("tier", string("key (主客户), major (大客户), regular (普通客户) or small (小客户)"))
            .property("abc", string("A, B or C by revenue in the last 365 days"))
            .property("revenue_window_fen", integer("Revenue in the last 365 days"))
            .property(
                "rfm",
                ObjectBuilder::new()
                    .property("r", integer("1-5"))
                    .property("f", integer("1-5"))
                    .property("m", integer("1-5")),
            )
            .property("segment", string("RFM segment code"))
            .property("p_alive", num("Probability the customer still buys (BG/NBD)"))
            .property("expected_purchases", num("Expected purchases over the next 12 months"))
            .property("expected_spend_fen", integer("Expected spend per purchase (Gamma-Gamma)"))
            .property("clv_history_fen", integer("Realized value, compounded to the assessment date"))
            .property("clv_projected_fen", integer("Expected value of the next 12 months, discounted"))
            .property("as_of", string("The assessment's date"))
            .property("run_id", integer("The assessment"))
            .required("customer_id")
            .required("tier")
            .build(),
    )
});

schema!(ValueSummary, "The latest value assessment in brief; money in fen.", {
    Schema::Object(
        ObjectBuilder::new()
            .property(
                "run",
                ObjectBuilder::new().property("id", integer("Run")).property("as_of", string("Date")).property(
                    "report",
                    ObjectBuilder::new().schema_type(SchemaType::Type(Type::Object)).description(Some("Fitted models")),
                ),
            )
            .property(
                "tiers",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("tier", string("key, major, regular, small"))
                        .property("customers", integer("Customers"))
                        .property("revenue_window_fen", integer("Revenue in the window")),
                ),
            )
            .property(
                "rfm_grid",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("r", integer("R 1-5"))
                        .property("fm", integer("(F+M)/2 rounded down"))
                        .property("customers", integer("Customers")),
                ),
            )
            .property(
                "churn_watch",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("customer_id", integer("Guanxi ID"))
                        .property("name", string("Name"))
                        .property("tier", string("Tier code"))
                        .property("p_alive", real("Probability the customer still buys (0–1)"))
                        .property("clv_history_fen", integer("Value realized, in fen"))
                        .property("last_order_at", string("RFC 3339")),
                ),
            )
            .property(
                "overdue",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("customer_id", integer("Guanxi ID"))
                        .property("name", string("Name"))
                        .property("days_since", real("Days since the last order"))
                        .property("rhythm_days", real("Usual days between purchases"))
                        .property("revenue_fen", integer("Revenue, in fen"))
                        .property("last_order_at", string("RFC 3339")),
                ),
            )
            .build(),
    )
});
