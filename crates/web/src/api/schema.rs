//! The OpenAPI schemas of the API's bodies. Records are objects keyed by field code, so their
//! schemas are built from the same field lists the handlers accept: a field added to a form is
//! in the document at once.

use crate::pages::form;
use guanxi_domain::{Field, Lang};
use std::borrow::Cow;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{RefOr, schema::SchemaType};

pub struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        openapi.security = Some(vec![SecurityRequirement::new("token", Vec::<String>::new())]);
    }
}

fn string(description: impl Into<String>) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).description(Some(description))
}

fn integer(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Integer))
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
        .description(Some(description))
}

fn field_property(f: Field) -> RefOr<Schema> {
    let label = format!("{} / {}", f.label(Lang::En), f.label(Lang::ZhCn));
    match f {
        Field::Tags => ArrayBuilder::new().items(string("tag")).description(Some(label)).into(),
        Field::Preferences => ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .property("category", string("e.g. 饮品 / drink"))
                    .property("value", string("e.g. 冰摩卡，两块糖两块冰"))
                    .required("category")
                    .required("value"),
            )
            .description(Some(label))
            .into(),
        _ => {
            let mut s = string(label);
            if let Some(choices) = form::choices(f, Lang::En) {
                s = s.enum_values(Some(choices.into_iter().map(|(code, _)| code).filter(|c| !c.is_empty())));
            }
            s.into()
        }
    }
}

fn record(fields: &[Field], required: &[Field], with_id: bool, extra: &[(&str, &str)]) -> Schema {
    let mut o = ObjectBuilder::new();
    if with_id {
        o = o.property("id", integer("Guanxi ID")).required("id");
    }
    for f in fields {
        o = o.property(f.code(), field_property(*f));
    }
    for r in required {
        o = o.required(r.code());
    }
    for (name, description) in extra {
        o = o.property(*name, string(*description));
    }
    Schema::Object(o.build())
}

macro_rules! schema {
    ($name:ident, $doc:literal, $body:expr) => {
        #[doc = $doc]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                RefOr::T($body)
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

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

schema!(KeyPersonInput, "A key person's fields.", record(form::KEY_PERSON_FIELDS, &[], false, &[]));
schema!(KeyPerson, "A key person of an organization.", record(form::KEY_PERSON_FIELDS, &[Field::Name], true, &[]));
schema!(PersonAroundInput, "A person around the customer (or one of its key people): family, friends, superiors…", {
    let mut s = record(form::PERSON_AROUND_FIELDS, &[], false, &[]);
    if let Schema::Object(o) = &mut s {
        o.properties.insert("key_person_id".into(), integer("Set when the person is around a key person").into());
    }
    s
});
schema!(PersonAround, "A person around the customer or a key person.", {
    let mut s = record(form::PERSON_AROUND_FIELDS, &[Field::Name, Field::Relation], true, &[]);
    if let Schema::Object(o) = &mut s {
        o.properties.insert("key_person_id".into(), integer("Set when the person is around a key person").into());
    }
    s
});
schema!(
    InteractionInput,
    "A contact with the customer. occurred_at: RFC 3339 or YYYY-MM-DD HH:MM in China time; empty means now.",
    record(form::INTERACTION_FIELDS, &[], false, &[])
);
schema!(Interaction, "A contact with the customer.", {
    let mut s =
        record(form::INTERACTION_FIELDS, &[Field::Channel, Field::Summary], true, &[("created_at", "RFC 3339")]);
    if let Schema::Object(o) = &mut s {
        o.properties.insert("created_by".into(), integer("The user who logged it").into());
    }
    s
});

schema!(Problem, "An error (RFC 9457).", {
    Schema::Object(
        ObjectBuilder::new()
            .property("type", string("A URI naming the kind of problem"))
            .property("title", string("The stable code"))
            .property("status", integer("HTTP status"))
            .property("code", string("Stable code: unauthenticated, session_expired, forbidden, cross_site_request, not_found, validation_failed, unknown_field, conflict, bad_request, too_many_attempts, internal"))
            .property("detail", string("What went wrong, in the caller's language (Accept-Language or the user's setting)"))
            .property(
                "errors",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("field", string("Field code"))
                        .property("value", string("The value given"))
                        .property("code", string("Stable problem code, e.g. required, invalid_phone"))
                        .property("message", string("The message for this field")),
                ),
            )
            .required("code")
            .required("status")
            .build(),
    )
});

schema!(User, "A user of Guanxi.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("User id"))
            .property("username", string("Sign-in name"))
            .property("display_name", string("Shown name"))
            .property("role", field_property(Field::Role))
            .property("team", string("Team"))
            .property("active", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
            .property("lang", string("zh-CN or en"))
            .required("id")
            .required("username")
            .required("role")
            .build(),
    )
});

schema!(UserInput, "A new user, or the fields to change (display_name, role, team, active).", {
    Schema::Object(
        ObjectBuilder::new()
            .property("username", string("Sign-in name (new users only)"))
            .property("display_name", string("Shown name"))
            .property("role", field_property(Field::Role))
            .property("team", string("Team"))
            .property("active", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
            .build(),
    )
});

schema!(NewUserCreated, "The new user and the initial password, shown only in this response.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("user", RefOr::Ref(utoipa::openapi::Ref::from_schema_name("User")))
            .property("password", string("Initial password; give it to the user"))
            .build(),
    )
});

schema!(Tag, "A tag and how many customers carry it.", {
    Schema::Object(ObjectBuilder::new().property("tag", string("Tag")).property("count", integer("Customers")).build())
});

schema!(AuditEntry, "One change in a customer's history.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Entry id"))
            .property("at", string("RFC 3339"))
            .property("actor", string("Username"))
            .property("action", string("create, update, delete, restore, merge, unmerge, import, export"))
            .property("entity", string("customer, key_person, person_around, interaction"))
            .property("entity_id", integer("The changed record"))
            .property("before", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Object)))
            .property("after", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Object)))
            .property("note", string("Note"))
            .build(),
    )
});

schema!(
    OrderInput,
    "An order: amount in yuan (text like \"1,234.50\" or a number; negative for a refund); ordered_at RFC 3339 or YYYY-MM-DD HH:MM China time, default now.",
    record(form::ORDER_FIELDS, &[Field::Amount], false, &[])
);

schema!(Order, "A stored order; amounts in fen (1 yuan = 100 fen).", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Order id"))
            .property("customer_id", integer("Guanxi ID of the customer"))
            .property("ordered_at", string("RFC 3339"))
            .property("amount_fen", integer("Amount in fen; negative for a refund"))
            .property("cost_fen", integer("Cost in fen"))
            .property("category", string("Product category"))
            .property("sales_channel", field_property(Field::SalesChannel))
            .property("branch", string("Store / branch"))
            .property("order_no", string("The order's number in the system it came from"))
            .property("created_at", string("RFC 3339"))
            .required("id")
            .required("amount_fen")
            .build(),
    )
});

schema!(CustomerOrders, "A customer's orders and purchase rollup.", {
    Schema::Object(
        ObjectBuilder::new()
            .property(
                "rollup",
                ObjectBuilder::new()
                    .property("orders", integer("Orders"))
                    .property("purchase_days", integer("Calendar days (China time) with an order"))
                    .property("revenue_fen", integer("Sum of amounts"))
                    .property("costed_orders", integer("Orders whose cost is known"))
                    .property("margin_fen", integer("Revenue minus cost, over orders whose cost is known"))
                    .property("first_order_at", string("RFC 3339"))
                    .property("last_order_at", string("RFC 3339"))
                    .property(
                        "rhythm_days",
                        ObjectBuilder::new()
                            .schema_type(SchemaType::Type(Type::Number))
                            .description(Some("Mean days between purchase days")),
                    ),
            )
            .property("orders", ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Order"))))
            .build(),
    )
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
                        .property("p_alive", string("Probability")),
                ),
            )
            .property(
                "overdue",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("customer_id", integer("Guanxi ID"))
                        .property("days_since", string("Days since the last order"))
                        .property("rhythm_days", string("Usual days between purchases")),
                ),
            )
            .build(),
    )
});

schema!(ValueSettings, "The value settings, as the settings form shows them (all values as text).", {
    record(&guanxi_domain::value::ValueSettings::fields(), &[], false, &[])
});

schema!(Job, "A background job.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Job id"))
            .property("kind", string("value.recompute or value.nightly"))
            .property("state", string("queued, running, done or failed"))
            .property("run_at", string("RFC 3339: when it runs (or ran)"))
            .property("attempts", integer("Attempts so far"))
            .property("max_attempts", integer("Attempts before it fails for good"))
            .property("last_error", string("The last attempt's error, if any"))
            .property("result", ObjectBuilder::new().description(Some("On success: {run, customers}")))
            .property("created_at", string("RFC 3339"))
            .property("finished_at", string("RFC 3339"))
            .build(),
    )
});

schema!(OrderList, "A page of orders across customers, with the count and revenue of all that match.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("items", ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Order"))))
            .property("total", integer("How many match (at least, when total_capped)"))
            .property("total_capped", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
            .property("page", integer("Page number, from 1"))
            .property("per_page", integer("Orders a page (1–200, default 50)"))
            .property("revenue_fen", integer("Revenue of all that match; null when capped"))
            .build(),
    )
});
