//! The API types of the relationship stage and level: the OpenAPI schemas of the bodies
//! `api/relationships.rs` takes and gives.

use crate::api::schema::prelude::*;

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
