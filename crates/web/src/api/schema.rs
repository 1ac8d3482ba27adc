//! The machinery of the API's OpenAPI schemas, and the few types every feature shares (`Problem`,
//! `AuditEntry`, `Job`); each feature's own types are in its `api/<feature>/types.rs`. Records are objects keyed by field code, so their
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

pub(crate) fn string(description: impl Into<String>) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).description(Some(description))
}

pub(crate) fn integer(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Integer))
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
        .description(Some(description))
}

pub(crate) fn field_property(f: Field) -> RefOr<Schema> {
    let label = format!("{} / {}", f.label(Lang::En), f.label(Lang::ZhCn));
    match f {
        f if f == Field::Tags => ArrayBuilder::new().items(string("tag")).description(Some(label)).into(),
        f if f == Field::Preferences => ArrayBuilder::new()
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

pub(crate) fn record(fields: &[Field], required: &[Field], with_id: bool, extra: &[(&str, &str)]) -> Schema {
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
pub(crate) use schema;

/// What a feature's `types.rs` needs to declare its schemas.
pub(crate) mod prelude {
    pub(crate) use super::{boolean, field_property, integer, number, real, record, schema, string, typed};
    pub(crate) use crate::pages::form;
    pub(crate) use guanxi_domain::Field;
    pub(crate) use std::borrow::Cow;
    pub(crate) use utoipa::openapi::RefOr;
    pub(crate) use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
}

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

pub(crate) fn number(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)).description(Some(description))
}

/// A number that may have a fraction (days on average, a probability, years).
pub(crate) fn real(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::Number)).description(Some(description))
}

pub(crate) fn boolean(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)).description(Some(description))
}

/// A report line's property, typed by what its name says it holds: amounts in fen, counts and
/// days are numbers, `ours` is a yes/no, the rest text.
pub(crate) fn typed(name: &str, description: &str) -> ObjectBuilder {
    match name {
        n if n.ends_with("_fen") => integer(description),
        "open" | "won" | "lost" | "reached" | "stays" | "logged" | "deals" | "customers" => integer(description),
        n if n.ends_with("_days") => real(description),
        "ours" => boolean(description),
        _ => string(description),
    }
}
