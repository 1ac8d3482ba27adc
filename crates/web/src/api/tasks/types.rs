//! The API types of tasks 待办 and My day: the OpenAPI schemas of the bodies `api/tasks.rs` takes
//! and gives.

use crate::api::schema::prelude::*;

schema!(
    TaskInput,
    "A task's fields; on PATCH only those to change. due_on YYYY-MM-DD (China day), due_time HH:MM.",
    record(crate::pages::tasks::TASK_FIELDS, &[], false, &[])
);

schema!(TaskDoneInput, "How a task was done.", record(crate::pages::tasks::DONE_FIELDS, &[], false, &[]));

schema!(Task, "A task: what, when, for whom, and how it was done.", {
    let mut s = record(
        crate::pages::tasks::TASK_FIELDS,
        &[Field::TaskTitle, Field::TaskKind, Field::DueOn, Field::Assignee],
        true,
        &[
            ("customer_name", "The customer's name"),
            ("key_person_name", "The key person's name"),
            ("opportunity_title", "The deal's title"),
            ("done_at", "RFC 3339; null while open"),
            ("done_by", "Who ticked it (username)"),
            ("result", "What came of it"),
            ("origin", "What made it: person, after_sales"),
            ("created_at", "RFC 3339"),
            ("updated_at", "RFC 3339"),
        ],
    );
    if let Schema::Object(o) = &mut s {
        o.properties.insert("customer_id".into(), integer("Guanxi ID of the customer it is for").into());
        o.properties.insert("opportunity_id".into(), integer("The deal it is for").into());
        o.properties.insert("interaction_id".into(), integer("The contact logged when it was done").into());
    }
    s
});

schema!(Today, "My day: open tasks due by today, and the birthdays of the next 7 days.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("date", string("Today in China, YYYY-MM-DD"))
            .property("tasks", ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Task"))))
            .property(
                "birthdays",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("on", string("The day, YYYY-MM-DD"))
                        .property("name", string("Whose birthday"))
                        .property(
                            "celebrant",
                            ObjectBuilder::new()
                                .property("who", string("customer, key_person or around"))
                                .property("job_title", string("A key person's title"))
                                .property("relation", string("Someone around: spouse, child, parent…"))
                                .property("of_key_person", string("Around a key person: their name")),
                        )
                        .property("customer_id", integer("Guanxi ID"))
                        .property("customer_name", string("The customer's name"))
                        .property("turns", integer("How old they turn, when the year is known"))
                        .property("interests", string("Interests"))
                        .property(
                            "preferences",
                            ArrayBuilder::new().items(
                                ObjectBuilder::new()
                                    .property("category", string("e.g. 饮品"))
                                    .property("value", string("e.g. 普洱")),
                            ),
                        ),
                ),
            )
            .property("birthdays_total", integer("How many birthdays the 7 days have in all (at most 100 are listed)"))
            .required("date")
            .required("tasks")
            .required("birthdays")
            .build(),
    )
});
