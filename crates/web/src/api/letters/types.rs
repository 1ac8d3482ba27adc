//! The API types of letters 信函: a batch printed together and posted together.

use crate::api::schema::prelude::*;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};

fn messages(description: &str) -> ArrayBuilder {
    ArrayBuilder::new().items(RefOr::Ref(Ref::from_schema_name("OutboxMessage"))).description(Some(description))
}

schema!(LetterBatch, "A batch of letters: printed as one PDF, then confirmed as posted (or thrown away).", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Batch number"))
            .property("created_by", integer("User id of who printed it"))
            .property("created_by_name", string("Who printed it"))
            .property("created_at", string("RFC 3339: when it was printed"))
            .property("letters", integer("How many letters it was printed with"))
            .property("posted_at", string("RFC 3339: when it was confirmed as posted"))
            .property("posted_by_name", string("Who confirmed it"))
            .property("posted_count", integer("How many of its letters were posted (the rest went back to the queue)"))
            .property("discarded_at", string("RFC 3339: when it was thrown away instead"))
            .build(),
    )
});

schema!(LetterBatchWithLetters, "A batch and its letters (outbox messages on the letter channel).", {
    Schema::Object(
        ObjectBuilder::new()
            .property("batch", RefOr::Ref(Ref::from_schema_name("LetterBatch")))
            .property("letters", messages("Its letters, in the order they are printed"))
            .build(),
    )
});

schema!(LettersWaiting, "The letters whose day has come, waiting to be printed.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("items", messages("The first of them, oldest first"))
            .property("due", integer("How many are waiting"))
            .property("later", integer("How many are queued for later days"))
            .build(),
    )
});

schema!(PostedLetters, "Which letters of a batch were not posted (they go back to the queue); all others were.", {
    Schema::Object(
        ObjectBuilder::new()
            .property(
                "not_posted",
                ArrayBuilder::new().items(integer("Message id")).description(Some("Letters not posted (default none)")),
            )
            .build(),
    )
});
