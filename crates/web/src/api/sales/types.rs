//! The API types of opportunities, their stages, objections, decision chains, tasks, attachments,
//! the sales settings and reports: the OpenAPI schemas of the bodies `api/sales.rs` takes and
//! gives.

use crate::api::schema::prelude::*;

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
