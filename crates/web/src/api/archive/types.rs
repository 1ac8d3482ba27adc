//! The API types of key people, people around a customer and contacts: the OpenAPI schemas of the
//! bodies `api/archive.rs` takes and gives.

use crate::api::schema::prelude::*;

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
