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
    record(
        form::INTERACTION_FIELDS,
        &[],
        false,
        &[("opportunity", "The Guanxi ID of the customer's deal the contact was for")]
    )
);
schema!(Interaction, "A contact with the customer.", {
    let mut s =
        record(form::INTERACTION_FIELDS, &[Field::Channel, Field::Summary], true, &[("created_at", "RFC 3339")]);
    if let Schema::Object(o) = &mut s {
        o.properties.insert("opportunity".into(), integer("The deal the contact was for").into());
    }
    if let Schema::Object(o) = &mut s {
        o.properties.insert("created_by".into(), integer("The user who logged it").into());
        o.properties.insert("customer_id".into(), integer("Guanxi ID of the customer").into());
        o.properties.insert(
            "our_participants".into(),
            ArrayBuilder::new()
                .items(
                    ObjectBuilder::new().property("name", string("Username")).property("user_id", integer("User id")),
                )
                .description(Some("Our colleagues who took part"))
                .into(),
        );
        o.properties.insert(
            "their_participants".into(),
            ArrayBuilder::new()
                .items(
                    ObjectBuilder::new()
                        .property("name", string("Name"))
                        .property("key_person_id", integer("The key person, when the name is one")),
                )
                .description(Some("Who took part on the customer's side"))
                .into(),
        );
    }
    s
});

schema!(Problem, "An error (RFC 9457).", {
    Schema::Object(
        ObjectBuilder::new()
            .property("type", string("A URI naming the kind of problem"))
            .property("title", string("The stable code"))
            .property("status", integer("HTTP status"))
            .property("code", string("Stable code: unauthenticated, session_expired, forbidden, cross_site_request, read_only_token, password_change_required, reauthentication_required, not_found, validation_failed, unknown_field, conflict, bad_request, too_large, unsupported_media_type, method_not_allowed, too_many_attempts, too_many_reads, busy, disk_full, read_only_database, unavailable, internal"))
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
            .property("client", string("The client's address (sign-ins and other security events)"))
            .build(),
    )
});

schema!(ApiTokenInfo, "An API token as its owner and admins see it (never the secret).", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Token id"))
            .property("user", string("Owner's username"))
            .property("name", string("Name"))
            .property("hint", string("The token's last four characters"))
            .property("scope", string("full or read").enum_values(Some(["full", "read"])))
            .property("created_at", string("RFC 3339"))
            .property("last_used_at", string("RFC 3339"))
            .property("expires_at", string("RFC 3339"))
            .property("revoked_at", string("RFC 3339"))
            .required("id")
            .required("scope")
            .required("expires_at")
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

schema!(ValueSettings, "The value settings, as the settings form shows them (all values as text).", {
    record(&guanxi_domain::value::ValueSettings::fields(), &[], false, &[])
});

schema!(Job, "A background job.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Job id"))
            .property("kind", string("value.recompute, value.nightly or relationships.recompute"))
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

fn sales_input_fields() -> Vec<Field> {
    crate::pages::sales::OPPORTUNITY_FIELDS.iter().chain(crate::pages::sales::QUALIFY_FIELDS).copied().collect()
}

schema!(
    OpportunityInput,
    "An opportunity's fields; on PATCH only those to change. amount in yuan; probability 0-100 (empty: the stage's); competitors separated by 、 or commas.",
    record(&sales_input_fields(), &[], false, &[])
);

schema!(Opportunity, "An opportunity (商机); money in fen where the name says so.", {
    let mut s =
        record(&sales_input_fields(), &[Field::Title], true, &[("created_at", "RFC 3339"), ("updated_at", "RFC 3339")]);
    if let Schema::Object(o) = &mut s {
        o.properties.insert("customer_id".into(), integer("Guanxi ID of the customer").into());
        o.properties.insert("customer_name".into(), string("The customer's name").into());
        o.properties.insert(
            "competitors".into(),
            ArrayBuilder::new().items(string("Competitor")).description(Some("Competitors in the deal")).into(),
        );
        o.properties.insert("amount_fen".into(), integer("Amount in fen").into());
        o.properties.insert("stage".into(), field_property(Field::Stage));
        o.properties.insert("status".into(), string("open, won or lost").into());
        o.properties.insert("probability_pct".into(), integer("The win probability in effect (%)").into());
        o.properties.insert("won_amount_fen".into(), integer("Amount won, in fen").into());
        o.properties.insert("closed_on".into(), string("YYYY-MM-DD").into());
        o.properties.insert("lost_reason".into(), string("Why it was lost").into());
        o.properties.insert("lost_to".into(), string("The competitor it was lost to").into());
        o.properties.insert("stage_entered_at".into(), string("RFC 3339").into());
        o.properties.insert("last_activity_at".into(), string("RFC 3339: the last change or contact").into());
        o.properties.insert("version".into(), integer("Send back with PATCH to detect concurrent changes").into());
        o.properties.insert(
            "checklist".into(),
            ArrayBuilder::new()
                .items(
                    ObjectBuilder::new()
                        .property("stage", string("Stage code"))
                        .property("action", string("Action key"))
                        .property("title", string("What to do"))
                        .property("why", string("Why it matters"))
                        .property("mandatory", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
                        .property("requires", string("tick, or the fact that makes it done"))
                        .property("done", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean))),
                )
                .description(Some("GET /opportunities/{id} only"))
                .into(),
        );
    }
    s
});

schema!(OpportunityList, "A page of opportunities, with the count and amount (fen) of all that match.", {
    Schema::Object(
        ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Opportunity"))),
            )
            .property("total", integer("How many match"))
            .property("amount_fen", integer("Their total amount in fen"))
            .property("page", integer("Page number, from 1"))
            .property("per_page", integer("Items a page"))
            .build(),
    )
});

schema!(MoveInput, "Where to move the deal, and a manager's reason to move past missing actions.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("stage", field_property(Field::Stage))
            .property("override_reason", string("Managers only: why the missing mandatory actions may be skipped"))
            .required("stage")
            .build(),
    )
});

schema!(CloseInput, "How the deal ends.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("status", string("won or lost").enum_values(Some(["won", "lost"])))
            .property("amount", string("Won: the amount in yuan (default: the deal's)"))
            .property("closed_on", string("YYYY-MM-DD, not later than today (default: today)"))
            .property("lost_reason", string("Lost: why (required)"))
            .property("lost_to", string("Lost: to which competitor"))
            .property("override_reason", string("Won, managers only: skip missing mandatory actions"))
            .property("record_order", boolean("Won: record the amount as the customer's order DEAL-{id} on the day won (default true; false when its orders are recorded already)"))
            .required("status")
            .build(),
    )
});

schema!(DoneInput, "Whether it is done.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("done", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
            .build(),
    )
});

schema!(StageChange, "One change of a deal's stage or status.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("from_stage", string("Stage code; null when the deal was opened"))
            .property("to_stage", string("Stage code"))
            .property("status", string("open, won or lost after the change"))
            .property("changed_by", string("Username"))
            .property("changed_at", string("RFC 3339"))
            .property("override_reason", string("A manager's reason, when actions were skipped"))
            .property("skipped", ArrayBuilder::new().items(string("Action title")))
            .build(),
    )
});

schema!(ObjectionInput, "An objection's fields.", record(crate::pages::sales::OBJECTION_FIELDS, &[], false, &[]));
schema!(Objection, "A logged objection.", {
    let mut s = record(
        crate::pages::sales::OBJECTION_FIELDS,
        &[Field::Objection, Field::Cause],
        true,
        &[("created_at", "RFC 3339"), ("resolved_at", "RFC 3339"), ("created_by", "Username")],
    );
    if let Schema::Object(o) = &mut s {
        o.properties.insert("resolved".into(), boolean("Whether it is resolved").into());
        o.properties.insert(
            "ours".into(),
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::Boolean))
                .description(Some("Whether the cause lies with us"))
                .into(),
        );
    }
    s
});

schema!(ChainInput, "How a key person is engaged and addressed.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("engaged", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
            .property("plan", string("How we address them (needed for opponents)"))
            .build(),
    )
});

schema!(DecisionChain, "The decision chain and its coverage warnings.", {
    Schema::Object(
        ObjectBuilder::new()
            .property(
                "members",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("key_person_id", integer("Key person id"))
                        .property("name", string("Name"))
                        .property("decision_role", field_property(Field::DecisionRole))
                        .property("attitude", field_property(Field::Attitude))
                        .property("engaged", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
                        .property("plan", string("How we address them")),
                ),
            )
            .property(
                "warnings",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("kind", string("no_decision_maker, no_supporter or opponent_unaddressed"))
                        .property("name", string("The opponent, for opponent_unaddressed"))
                        .property("message", string("In the caller's language")),
                ),
            )
            .build(),
    )
});

schema!(Task, "A task for a customer.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Task id"))
            .property("customer_id", integer("Guanxi ID"))
            .property("opportunity_id", integer("The deal it follows up"))
            .property("title", string("What to do"))
            .property("due_on", string("YYYY-MM-DD"))
            .property("assignee", string("Username"))
            .property("done_at", string("RFC 3339; null while open"))
            .build(),
    )
});

schema!(
    SalesSettings,
    "The sales process: per stage its win probability (%) and standard actions; the after-sales tasks created on winning; the stall threshold in days.",
    {
        Schema::Object(
        ObjectBuilder::new()
            .property("stages", ArrayBuilder::new().items(ObjectBuilder::new()
                .property("stage", field_property(Field::Stage))
                .property("probability", integer("0-100, rising with the stages"))
                .property("actions", ArrayBuilder::new().items(ObjectBuilder::new()
                    .property("key", string("Unique within the stage"))
                    .property("title", string("What to do"))
                    .property("why", string("Why it matters"))
                    .property("mandatory", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
                    .property("requires", string("tick, purchasing_power, decision_authority, need, appointment, preparation, proposal, interaction, decision_maker, objections_resolved"))))))
            .property("after_sales_tasks", ArrayBuilder::new().items(ObjectBuilder::new()
                .property("title", string("What to do"))
                .property("due_in_days", integer("Days after the close date"))))
            .property("stalled_days", integer("1-365"))
            .build(),
    )
    }
);

schema!(SalesReport, "The sales reports for a scope and a period; money in fen.", {
    let line = |props: &[(&str, &str)]| {
        let mut o = ObjectBuilder::new();
        for (k, d) in props {
            o = o.property(*k, typed(k, d));
        }
        ArrayBuilder::new().items(o)
    };
    Schema::Object(
        ObjectBuilder::new()
            .property("from", string("YYYY-MM-DD"))
            .property("to", string("YYYY-MM-DD"))
            .property(
                "by_owner",
                line(&[
                    ("owner", "username"),
                    ("open", "open deals"),
                    ("pipeline_fen", "their amount"),
                    ("weighted_fen", "Σ amount × probability"),
                    ("won", "won in the period"),
                    ("lost", "lost in the period"),
                    ("won_fen", "amount won in the period"),
                ]),
            )
            .property(
                "by_month",
                line(&[
                    ("month", "YYYY-MM of the expected close, \"\" without one"),
                    ("open", "open deals"),
                    ("pipeline_fen", "amount"),
                    ("weighted_fen", "Σ amount × probability"),
                ]),
            )
            .property(
                "funnel",
                line(&[("stage", "stage code"), ("reached", "deals opened in the period that reached it")]),
            )
            .property(
                "stage_days",
                line(&[
                    ("stage", "stage code"),
                    ("average_days", "average days a stay"),
                    ("stays", "stays that ended in the period"),
                ]),
            )
            .property("cycle_days", real("average days from opening to winning; null without a win"))
            .property("won", integer("deals won in the period"))
            .property("lost", integer("deals lost in the period"))
            .property("stalled", integer("open deals without a move or contact for the stall threshold"))
            .property(
                "stalled_deals",
                ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Opportunity"))),
            )
            .property(
                "objections",
                line(&[
                    ("cause", "cause code"),
                    ("ours", "whether the cause is ours (boolean)"),
                    ("logged", "logged in the period"),
                    ("open", "still open"),
                ]),
            )
            .property(
                "lost_to",
                line(&[("competitor", "\"\" when not recorded"), ("deals", "count"), ("amount_fen", "their amount")]),
            )
            .build(),
    )
});

schema!(Attachment, "A file attached to an opportunity (without its content).", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("File id"))
            .property("opportunity_id", integer("Opportunity id"))
            .property("name", string("File name"))
            .property("content_type", string("As uploaded"))
            .property("size", integer("Bytes"))
            .property("created_by", string("Username"))
            .property("created_at", string("RFC 3339"))
            .build(),
    )
});

schema!(RelationshipInput, "A move of the relationship stage, with why.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("relationship_stage", field_property(Field::RelationshipStage))
            .property("why", string("Why (required)"))
            .required("relationship_stage")
            .required("why")
            .build(),
    )
});

schema!(LevelInput, "A person's confirmation of the relationship level.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("relationship_level", field_property(Field::RelationshipLevel))
            .property("why", string("A note"))
            .required("relationship_level")
            .build(),
    )
});

schema!(
    Relationship,
    "A customer's relationship stage, the stages one step on, what is missing, every change; and the level proposed from the contacts, the one confirmed and its history.",
    {
        Schema::Object(
            ObjectBuilder::new()
                .property("relationship_stage", field_property(Field::RelationshipStage))
                .property("next", ArrayBuilder::new().items(string("stage code")))
                .property(
                    "missing",
                    ArrayBuilder::new().items(string("what the relationship still needs, in the caller's language")),
                )
                .property(
                    "history",
                    ArrayBuilder::new().items(
                        ObjectBuilder::new()
                            .property("from", string("stage code"))
                            .property("to", string("stage code"))
                            .property("why", string("why"))
                            .property("changed_by", string("username"))
                            .property("changed_at", string("RFC 3339")),
                    ),
                )
                .build(),
        )
    }
);

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

fn number(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)).description(Some(description))
}

/// A number that may have a fraction (days on average, a probability, years).
fn real(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::Number)).description(Some(description))
}

fn boolean(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)).description(Some(description))
}

/// A report line's property, typed by what its name says it holds: amounts in fen, counts and
/// days are numbers, `ours` is a yes/no, the rest text.
fn typed(name: &str, description: &str) -> ObjectBuilder {
    match name {
        n if n.ends_with("_fen") => integer(description),
        "open" | "won" | "lost" | "reached" | "stays" | "logged" | "deals" | "customers" => integer(description),
        n if n.ends_with("_days") => real(description),
        "ours" => boolean(description),
        _ => string(description),
    }
}

schema!(
    Standing,
    "Where the relationship with a customer stands now. Numbers are null when unknown, never 0 for unknown.",
    {
        Schema::Object(
            ObjectBuilder::new()
                .property("lifecycle", string("4R phase: establish, maintain, referral, win_back"))
                .property("lifecycle_reason", string("Why, in the caller's language"))
                .property("level_proposed", field_property(Field::RelationshipLevel))
                .property("level_reason", string("The contacts the level was proposed from"))
                .property(
                    "signs_from_data",
                    ArrayBuilder::new().items(
                        ObjectBuilder::new()
                            .property("sign", string("sign code"))
                            .property("answer", string("yes or no; null when the data cannot answer"))
                            .property("evidence", string("where the answer came from")),
                    ),
                )
                .property("satisfaction", number("0–100 from the latest survey of the last two years"))
                .property("loyalty", number("0–100 from behaviour"))
                .property("quadrant", string("destroyer, profiteer, prisoner or apostle; null without both"))
                .property("quadrant_advice", string("What to do"))
                .property("watched", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
                .property(
                    "health",
                    ObjectBuilder::new()
                        .property("score", number("share of known signs that hold, 0–100"))
                        .property("change", number("against the previous check"))
                        .property("known", number("how many of the ten signs the score stands on"))
                        .property("checked_at", string("RFC 3339; null: the score is the data's")),
                )
                .property("wallet_share", number("our share of their spending, %"))
                .build(),
        )
    }
);

schema!(WalletShareInput, "Our share of the customer's spending.", {
    Schema::Object(ObjectBuilder::new().property("wallet_share", field_property(Field::WalletShare)).build())
});

schema!(
    HealthCheckInput,
    "Each sign yes / no / unknown with a note; signs left out take the data's answer.",
    record(&crate::pages::health::check_fields(), &[], false, &[])
);

schema!(HealthCheck, "A ten-signs health check.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Check id"))
            .property("customer_id", integer("Guanxi ID"))
            .property("checked_at", string("RFC 3339"))
            .property("checked_by", string("username"))
            .property("yes", number("signs that hold"))
            .property("no", number("signs that do not"))
            .property("unknown", number("signs nobody knows"))
            .property("score", number("yes / (yes + no) × 100; null when nothing is known"))
            .property("notes", string("note"))
            .property(
                "signs",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("sign", string("sign code"))
                        .property("answer", string("yes, no or unknown"))
                        .property("source", string("person or data"))
                        .property("evidence", string("the data's evidence when the answer is the data's"))
                        .property("note", string("note")),
                ),
            )
            .build(),
    )
});

schema!(
    SurveyInput,
    "A survey the customer answered to a person.",
    record(
        &[form::SURVEY_REQUEST_FIELDS, form::SURVEY_ANSWER_FIELDS].concat(),
        &[Field::Satisfied, Field::Expectation, Field::Experience],
        false,
        &[]
    )
);

schema!(
    SurveyLinkInput,
    "What the survey follows, and how many days the link stays open (1–90, default 14).",
    record(form::SURVEY_REQUEST_FIELDS, &[], false, &[("days", "1–90")])
);

schema!(Survey, "A satisfaction survey: recorded, or a link waiting for (or given) its answer.", {
    let mut s = record(
        &[form::SURVEY_REQUEST_FIELDS, form::SURVEY_ANSWER_FIELDS].concat(),
        &[],
        true,
        &[
            ("via", "form, api or link"),
            ("link", "the address to send, while the link is open"),
            ("link_expires_at", "RFC 3339"),
            ("answered_at", "RFC 3339; null while waiting"),
            ("created_by", "username"),
            ("created_at", "RFC 3339"),
        ],
    );
    if let Schema::Object(o) = &mut s {
        o.properties.insert("id".into(), integer("Survey id").into());
        o.properties.insert("customer_id".into(), integer("Guanxi ID of the customer").into());
        o.properties.insert("level".into(), number("0 not satisfied … 3 will bring friends").into());
        o.properties.insert("satisfaction".into(), number("0–100").into());
        for (k, d) in [("satisfied", "satisfied"), ("buy_again", "will buy again"), ("recommend", "will bring friends")]
        {
            o.properties.insert(k.into(), boolean(d).into());
        }
        for (k, d) in [("expectation", "1–5 before"), ("experience", "1–5 after")] {
            o.properties.insert(k.into(), number(d).into());
        }
    }
    s
});

schema!(HealthRow, "A customer on the relationship-health list.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("customer_id", integer("Guanxi ID"))
            .property("name", string("name"))
            .property("owner", string("username"))
            .property("tier", string("value tier"))
            .property("score", number("0–100; null when unknown"))
            .property("change", number("since the previous check (or recompute)"))
            .property("known", number("how many of the ten signs the score stands on"))
            .property("checked_at", string("RFC 3339; null: the score is the data's"))
            .property("signs_from_data", string("ten marks y, n, ? in the signs' order"))
            .property("lifecycle", string("4R phase"))
            .property("quadrant", string("quadrant"))
            .property("satisfaction", number("0–100"))
            .property("loyalty", number("0–100"))
            .build(),
    )
});

schema!(QuadrantReport, "The quadrant overview from the latest recompute.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("computed_at", string("RFC 3339; null before the first recompute"))
            .property("customers", number("customers in the recompute"))
            .property(
                "report",
                ObjectBuilder::new().description(Some(
                    "levels, phases, quadrants (counts by code), grid (10 × 10), surveyed, with_loyalty, watched, watched_unknown",
                )),
            )
            .property("quadrant", string("the quadrant listed"))
            .property("in_quadrant", ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("HealthRow"))))
            .build(),
    )
});

schema!(
    ReferralInput,
    "Who referred the customer, and the reward.",
    record(crate::pages::winback::REFERRAL_FIELDS, &[Field::Referrer], false, &[])
);

fn referral_object() -> ObjectBuilder {
    ObjectBuilder::new()
        .property("id", integer("Referral id"))
        .property("referrer_id", integer("Guanxi ID of the referrer"))
        .property("referrer_name", string("name"))
        .property("referrer_person", string("the referrer's key person, if named"))
        .property("referred_id", integer("Guanxi ID of the referred customer"))
        .property("referred_name", string("name"))
        .property("referred_status", string("prospect, customer or lost"))
        .property("referred_on", string("YYYY-MM-DD"))
        .property("reward_kind", string("points, gift, discount or recognition"))
        .property("reward", string("what was given"))
        .property("reward_fen", integer("its value in fen"))
        .property("notes", string("notes"))
        .property("created_by", string("username"))
        .property("revenue_since_fen", integer("what the referred customer bought since, in fen"))
        .property("converted", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
}

schema!(Referral, "A referral.", Schema::Object(referral_object().build()));

schema!(Referrals, "Who referred a customer and whom they referred.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("referred_by", referral_object())
            .property("referred", ArrayBuilder::new().items(referral_object()))
            .build(),
    )
});

schema!(ReferralReport, "The referrals report.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("referrals", integer("referrals made"))
            .property("converted", integer("referred customers who became customers"))
            .property("revenue_fen", integer("their revenue since the referral"))
            .property("rewards_fen", integer("rewards given"))
            .property(
                "top",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("customer_id", integer("Guanxi ID"))
                        .property("name", string("name"))
                        .property("referred", integer("customers brought"))
                        .property("converted", integer("of them customers now"))
                        .property("revenue_fen", integer("their revenue since"))
                        .property("rewards_fen", integer("rewards given")),
                ),
            )
            .property("recent", ArrayBuilder::new().items(referral_object()))
            .build(),
    )
});

schema!(WinbackCase, "A win-back case.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Case id"))
            .property("customer_id", integer("Guanxi ID"))
            .property("customer_name", string("name"))
            .property("owner", string("the customer's owner"))
            .property("opened_at", string("RFC 3339"))
            .property("opened_by", string("username (system when the recompute opened it)"))
            .property("trigger", string("churn_watch, overdue, lapsed, lost or manual"))
            .property("yearly_value_fen", integer("what the customer was worth a year"))
            .property("lifetime_years", real("years ahead counted"))
            .property("lifetime_loss_fen", integer("what leaving costs over them, discounted"))
            .property("status", string("open, won_back or lost_for_good"))
            .property("closed_at", string("RFC 3339"))
            .property("closed_by", string("username"))
            .property("outcome_reason", string("why lost for good"))
            .property("guidance", ArrayBuilder::new().items(string("the one-nail rules, in the caller's language")))
            .property(
                "attempts",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("id", integer("Attempt id"))
                        .property("at", string("RFC 3339"))
                        .property("channel", field_property(Field::Channel))
                        .property("what", string("what we said or did"))
                        .property("their_response", string("their response"))
                        .property("by", string("username")),
                ),
            )
            .property("attempt_count", integer("attempts"))
            .build(),
    )
});

schema!(
    AttemptInput,
    "An attempt to win a customer back.",
    record(crate::pages::winback::ATTEMPT_FIELDS, &[Field::Channel, Field::AttemptWhat], false, &[])
);

schema!(
    OutcomeInput,
    "How a win-back case ends.",
    record(crate::pages::winback::OUTCOME_FIELDS, &[Field::Outcome], false, &[])
);
