//! The API types of notifications.

use crate::api::schema::prelude::*;

schema!(Notification, "A notification to the signed-in user, in their language.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Notification id"))
            .property("kind", string("task_assigned, customer_assigned or reminder"))
            .property("title", string("What it says"))
            .property("link", string("Where it is dealt with (a path of the web app)"))
            .property("customer_id", integer("The customer it is about"))
            .property("created_at", string("RFC 3339"))
            .property("read_at", string("RFC 3339; null while unread"))
            .build(),
    )
});

schema!(NotificationPage, "A page of one's notifications, newest first.", {
    Schema::Object(
        ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Notification"))),
            )
            .property("total", integer("How many notifications there are"))
            .property("unread", integer("How many are unread"))
            .property("page", integer("This page, from 1"))
            .property("per_page", integer("Notifications a page"))
            .build(),
    )
});

schema!(ReadAll, "How many notifications were marked read.", {
    Schema::Object(ObjectBuilder::new().property("read", integer("How many were unread")).build())
});
