//! The API types of users and API tokens: the OpenAPI schemas of the bodies `api/users.rs` takes
//! and gives.

use crate::api::schema::prelude::*;

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
