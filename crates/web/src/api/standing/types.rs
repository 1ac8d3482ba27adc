//! The API types of a customer's standing: health checks, surveys, the quadrant, referrals and win-
//! back: the OpenAPI schemas of the bodies `api/standing.rs` takes and gives.

use crate::api::schema::prelude::*;

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
    record(crate::pages::referrals::REFERRAL_FIELDS, &[Field::Referrer], false, &[])
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
