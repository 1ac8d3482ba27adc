//! Relationship health, surveys and the recompute, on every backend.

use crate::kit;
use chrono::{Duration, Utc};
use guanxi_domain::competitors::{CompetitorDraft, EngagementDraft};
use guanxi_domain::health::{Answer, HealthCheck, Sign, Source};
use guanxi_domain::standing::{Phase, Quadrant, SurveyAnswers, SurveyRequest};
use guanxi_domain::*;
use guanxi_store::*;

fn raw(fields: &[(Field, &str)]) -> Raw {
    let mut r = Raw::new();
    for (f, v) in fields {
        r.set(*f, *v);
    }
    r
}

async fn customer(store: &Store, name: &str) -> i64 {
    let d =
        CustomerDraft::parse(&raw(&[(Field::Name, name), (Field::Kind, "organization")]), today_in_china()).unwrap();
    store.create_customer(Actor::SYSTEM, &d).await.unwrap()
}

async fn log(store: &Store, c: i64, fields: &[(Field, &str)], days_ago: i64) {
    let now = Utc::now();
    let mut r = raw(fields);
    r.set(Field::Summary, "联系");
    r.set(Field::OccurredAt, (now - Duration::days(days_ago)).to_rfc3339());
    store.add_interaction(Actor::SYSTEM, c, &InteractionDraft::parse(&r, now, 8).unwrap()).await.unwrap();
}

fn survey(fields: &[(Field, &str)]) -> SurveyAnswers {
    SurveyAnswers::parse(&raw(fields)).unwrap()
}

#[tokio::test]
async fn the_data_answers_signs_and_a_check_sets_the_health() {
    for (backend, store) in kit::stores().await {
        let a = customer(&store, "华东机电").await;
        let s = store.standing(a).await.unwrap();
        assert_eq!(s.standing.signs, "??????????", "{backend}: nothing known, nothing pre-filled");
        assert_eq!((s.health_score, s.standing.phase), (None, Phase::Establish), "{backend}");

        // Calls answered 3 of 4, a visit, criticism, a complaint.
        for response in ["answered", "answered", "no_answer", "answered"] {
            log(&store, a, &[(Field::Channel, "phone"), (Field::Response, response)], 10).await;
        }
        log(&store, a, &[(Field::Channel, "face_to_face"), (Field::Feedback, "criticism")], 20).await;
        log(&store, a, &[(Field::Channel, "email"), (Field::Direction, "inbound"), (Field::Feedback, "complaint")], 30)
            .await;
        // A talk with a competitor that ended.
        let comp = store
            .create_competitor(Actor::SYSTEM, &CompetitorDraft::parse(&raw(&[(Field::Name, "鼎新")])).unwrap())
            .await
            .unwrap();
        let e = EngagementDraft::parse(
            &raw(&[
                (Field::Competitor, &comp.to_string()),
                (Field::Engagement, "talking"),
                (Field::Since, "2026-01-10"),
            ]),
            today_in_china(),
        )
        .unwrap();
        let eid = store.add_engagement(Actor::SYSTEM, a, &e).await.unwrap();
        store.end_engagement(Actor::SYSTEM, eid, "2026-03-01".parse().unwrap()).await.unwrap();

        let s = store.standing(a).await.unwrap();
        let sig = s.inputs.signals;
        assert_eq!((sig.calls_recorded, sig.calls_answered), (4, 3), "{backend}");
        assert_eq!((sig.criticism_365, sig.complaints_365, sig.talks_ended), (1, 1, 1), "{backend}");
        assert_eq!(s.inputs.contacts.proposed(), guanxi_domain::relationship::RelationshipLevel::FaceToFace);
        // Points out flaws, likes business talk (six contacts in 180 days), no contract, puts off
        // talks, no competitor products, answers calls, scolds us.
        assert_eq!(s.standing.signs, "yy?yy?y?yy", "{backend}");
        assert_eq!(s.health_score, Some(100), "{backend}: the data's score until checked");

        // A check: the person disagrees on one sign and adds two of their own.
        let check = HealthCheck::parse(
            &raw(&[
                (Field::ThinksWeAreBest, "no"),
                (Field::NeedsUs, "yes"),
                (Field::ScoldsUs, "no"),
                (Field::ScoldsUsNote, "那次投诉是误会"),
            ]),
            &sig,
        )
        .unwrap();
        store.save_health_check(Actor::SYSTEM, a, &check).await.unwrap();
        let checks = store.health_checks(a).await.unwrap();
        assert_eq!(checks.len(), 1, "{backend}");
        let c = &checks[0];
        assert_eq!((c.score.yes, c.score.no), (7, 2), "{backend}");
        let calls = c.signs.iter().find(|x| x.sign == Sign::AnswersCalls).unwrap();
        assert_eq!((calls.answer, calls.source), (Answer::Yes, Source::Data), "{backend}");
        assert_eq!(calls.evidence.map(|e| e.code()), Some("calls:3/4".to_string()), "{backend}");
        let scolds = c.signs.iter().find(|x| x.sign == Sign::ScoldsUs).unwrap();
        assert_eq!((scolds.source, scolds.note.as_deref()), (Source::Person, Some("那次投诉是误会")), "{backend}");
        assert!(store.history(a).await.unwrap().iter().any(|h| h.entity == "health_check"), "{backend}");

        // A second, worse check: the list shows the latest score and the fall.
        let worse =
            HealthCheck::parse(&raw(&[(Field::AnswersCalls, "no"), (Field::PointsOutFlaws, "no")]), &sig).unwrap();
        store.save_health_check(Actor::SYSTEM, a, &worse).await.unwrap();
        let s = store.standing(a).await.unwrap();
        assert_eq!((s.health_score, s.health_change), (Some(71), Some(-7)), "{backend}: 5 of 7 after 7 of 9");

        // A second customer, checked and healthy; the list puts the worst first, and the
        // falling view only the one that fell.
        let b = customer(&store, "宁波精工").await;
        // Four known signs: enough for a score (issue #22).
        let fine = HealthCheck::parse(
            &raw(&[
                (Field::NeedsUs, "yes"),
                (Field::BelievesWeHelp, "yes"),
                (Field::ThinksWeAreBest, "yes"),
                (Field::NoCompetitorProducts, "yes"),
            ]),
            &Default::default(),
        )
        .unwrap();
        store.save_health_check(Actor::SYSTEM, b, &fine).await.unwrap();
        let list = store.health_list(HealthOrder::Worst, None, None, 10, 0).await.unwrap();
        let ids: Vec<i64> = list.iter().map(|r| r.customer_id).collect();
        assert_eq!(ids, [a, b], "{backend}");
        assert_eq!((list[0].score, list[0].change, list[0].checked_at.is_some()), (Some(71), Some(-7), true));
        let falling = store.health_list(HealthOrder::Falling, None, None, 10, 0).await.unwrap();
        assert_eq!(falling.iter().map(|r| r.customer_id).collect::<Vec<_>>(), [a], "{backend}");
        assert!(store.health_list(HealthOrder::Worst, Some(999), None, 10, 0).await.unwrap().is_empty());
        // Every order, for everyone, one owner and one team, reads on both databases.
        for order in [HealthOrder::Worst, HealthOrder::Falling, HealthOrder::Unknown] {
            store.health_list(order, None, None, 10, 0).await.unwrap();
            store.health_list(order, Some(1), None, 10, 0).await.unwrap();
            store.health_list(order, None, Some("华东"), 10, 0).await.unwrap();
        }
        // Handed to an owner: the owner's list has it.
        let rep = store
            .add_user(
                Actor::SYSTEM,
                &NewUser {
                    username: "zhao".into(),
                    display_name: "赵".into(),
                    role: Role::SalesRep,
                    team: Some("华东".into()),
                },
            )
            .await
            .unwrap();
        store.update_customer(Actor::SYSTEM, a, &raw(&[(Field::Owner, "zhao")]), None).await.unwrap();
        let mine = store.health_list(HealthOrder::Worst, Some(rep.id), None, 10, 0).await.unwrap();
        assert_eq!(mine.iter().map(|r| r.customer_id).collect::<Vec<_>>(), [a], "{backend}");
        let team = store.health_list(HealthOrder::Worst, None, Some("华东"), 10, 0).await.unwrap();
        assert_eq!(team.len(), 1, "{backend}");

        // The recompute keeps the checks' scores and changes nothing that a refresh wrote.
        let stats = store.recompute_standing(Utc::now()).await.unwrap();
        assert_eq!(
            (stats.changed, stats.customers),
            (0, 2),
            "{backend}: the refreshed rows are what the recompute computes"
        );
        let s = store.standing(a).await.unwrap();
        assert_eq!(s.health_score, Some(71), "{backend}");
        let (_, customers, report) = store.latest_standing_run().await.unwrap().unwrap();
        assert_eq!((customers, report.watched, report.watched_unknown), (2, 2, 0), "{backend}");
        assert_eq!(report.phases.get("establish"), Some(&2), "{backend}");
    }
}

#[tokio::test]
async fn surveys_and_the_quadrant() {
    for (backend, store) in kit::stores().await {
        let a = customer(&store, "苏州丝绸").await;
        // Orders for two years make a loyal customer.
        let mut rows = Vec::new();
        for (i, day) in ["2024-06-01", "2025-01-10", "2025-08-20", "2026-03-05", "2026-10-30"].iter().enumerate() {
            let o = guanxi_domain::orders::OrderDraft::parse(
                &raw(&[(Field::Id, &a.to_string()), (Field::OrderedAt, day), (Field::Amount, "1000")]),
                Utc::now(),
            )
            .unwrap();
            rows.push((i + 2, o));
        }
        store.import_orders(Actor::SYSTEM, "o.csv", &rows, false).await.unwrap();
        let s = store.standing(a).await.unwrap();
        assert_eq!((s.standing.loyalty, s.standing.quadrant), (Some(100), None), "{backend}: no survey, no place");

        let request = SurveyRequest::parse(&raw(&[(Field::About, "order"), (Field::Reference, "SO-1")])).unwrap();
        let unhappy = survey(&[
            (Field::Satisfied, "no"),
            (Field::Expectation, "5"),
            (Field::Experience, "2"),
            (Field::Comment, "交货太慢"),
        ]);
        store.record_survey(Actor::SYSTEM, a, &request, "form", &unhappy).await.unwrap();
        let s = store.standing(a).await.unwrap();
        assert_eq!(s.standing.quadrant, Some(Quadrant::Prisoner), "{backend}: loyal but not satisfied");
        assert_eq!(s.inputs.signals.criticism_365, 1, "{backend}: a comment below expectation is criticism");

        // A link: answered once; the second answer and an expired link write nothing.
        let expires = Utc::now() + Duration::days(14);
        let link = store.create_survey_link(Actor::SYSTEM, a, &request, expires).await.unwrap();
        let happy = survey(&[
            (Field::Satisfied, "yes"),
            (Field::BuyAgain, "yes"),
            (Field::Recommend, "yes"),
            (Field::Expectation, "4"),
            (Field::Experience, "5"),
        ]);
        assert_eq!(store.answer_survey_link(link, &happy, Utc::now()).await.unwrap(), Ok(a), "{backend}");
        match store.answer_survey_link(link, &unhappy, Utc::now()).await.unwrap() {
            Err(LinkRefusal::Used(_)) => {}
            other => panic!("{backend}: {other:?}"),
        }
        let answered = store.survey(link).await.unwrap();
        assert_eq!(answered.answers.as_ref().map(|x| x.satisfied), Some(true), "{backend}: the first answer stays");
        let s = store.standing(a).await.unwrap();
        assert_eq!((s.standing.satisfaction, s.standing.quadrant), (Some(85), Some(Quadrant::Apostle)), "{backend}");

        let old =
            store.create_survey_link(Actor::SYSTEM, a, &request, Utc::now() + Duration::seconds(1)).await.unwrap();
        match store.answer_survey_link(old, &happy, Utc::now() + Duration::days(1)).await.unwrap() {
            Err(LinkRefusal::Expired(_)) => {}
            other => panic!("{backend}: {other:?}"),
        }
        assert!(store.survey(old).await.unwrap().answered_at.is_none(), "{backend}");
        // A survey recorded by a person is not a link.
        let recorded = store.surveys(a).await.unwrap().iter().find(|s| s.via == "form").unwrap().id;
        assert_eq!(store.answer_survey_link(recorded, &happy, Utc::now()).await.unwrap(), Err(LinkRefusal::Invalid));
        assert_eq!(store.surveys(a).await.unwrap().len(), 3, "{backend}");

        // The recompute counts the quadrant and fills the scatter's grid.
        store.recompute_standing(Utc::now()).await.unwrap();
        let (_, _, report) = store.latest_standing_run().await.unwrap().unwrap();
        assert_eq!(report.quadrants.get("apostle"), Some(&1), "{backend}");
        assert_eq!(report.grid[8][9], 1, "{backend}: satisfaction 85, loyalty 100");
        let apostles = store.in_quadrant(Quadrant::Apostle, 10, 0).await.unwrap();
        assert_eq!(apostles.iter().map(|r| r.customer_id).collect::<Vec<_>>(), [a], "{backend}");

        // Wallet share counts into loyalty where known.
        store.set_wallet_share(Actor::SYSTEM, a, Some(10)).await.unwrap();
        assert_eq!(store.standing(a).await.unwrap().standing.loyalty, Some(70), "{backend}");
        assert_eq!(store.wallet_share(a).await.unwrap(), Some(10), "{backend}");
    }
}

#[tokio::test]
async fn referrals_with_their_reward_and_outcome() {
    use guanxi_domain::winback::ReferralDraft;
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let a = customer(&store, "老客户甲").await;
        let b = customer(&store, "新客户乙").await;
        let twin1 = customer(&store, "重名公司").await;
        customer(&store, "重名公司").await;
        let kp = KeyPersonDraft::parse(&raw(&[(Field::Name, "王经理")]), today).unwrap();
        store.add_key_person(Actor::SYSTEM, a, &kp).await.unwrap();
        let refer = |fields: &[(Field, &str)]| ReferralDraft::parse(&raw(fields), today).unwrap();
        let problem = |r: Result<i64, StoreError>| match r {
            Err(StoreError::Invalid(v)) => (v.0[0].field, v.0[0].problem.clone()),
            other => panic!("{backend}: {other:?}"),
        };
        assert_eq!(
            problem(store.add_referral(Actor::SYSTEM, b, &refer(&[(Field::Referrer, "没有这家")])).await),
            (Field::Referrer, Problem::NoSuchRecord)
        );
        assert_eq!(
            problem(store.add_referral(Actor::SYSTEM, b, &refer(&[(Field::Referrer, "重名公司")])).await),
            (Field::Referrer, Problem::Ambiguous { count: 2 })
        );
        assert_eq!(
            problem(store.add_referral(Actor::SYSTEM, b, &refer(&[(Field::Referrer, &b.to_string())])).await),
            (Field::Referrer, Problem::SameCustomer)
        );
        assert_eq!(
            problem(
                store
                    .add_referral(
                        Actor::SYSTEM,
                        b,
                        &refer(&[(Field::Referrer, "老客户甲"), (Field::ReferrerPerson, "李总")])
                    )
                    .await
            ),
            (Field::ReferrerPerson, Problem::NoSuchRecord)
        );
        let d = refer(&[
            (Field::Referrer, "老客户甲"),
            (Field::ReferrerPerson, "王经理"),
            (Field::RewardKind, "points"),
            (Field::Reward, "积分 2000"),
            (Field::RewardValue, "200"),
        ]);
        let rid = store.add_referral(Actor::SYSTEM, b, &d).await.unwrap();
        assert_eq!(
            problem(store.add_referral(Actor::SYSTEM, b, &refer(&[(Field::Referrer, &twin1.to_string())])).await),
            (Field::Referrer, Problem::Taken),
            "{backend}: one referral a customer"
        );
        let s = store.standing(a).await.unwrap();
        assert_eq!((s.standing.phase, s.inputs.referred), (Phase::Referral, 1), "{backend}");
        let (by, _) = store.referrals_of(b).await.unwrap();
        let by = by.unwrap();
        assert_eq!((by.referrer_id, by.referrer_person.as_deref(), by.converted()), (a, Some("王经理"), false));

        // The referred customer buys: converted, with the revenue since the referral.
        let o = guanxi_domain::orders::OrderDraft::parse(
            &raw(&[(Field::Id, &b.to_string()), (Field::Amount, "3000"), (Field::OrderedAt, &today.to_string())]),
            Utc::now(),
        )
        .unwrap();
        store.import_orders(Actor::SYSTEM, "o.csv", &[(2, o)], false).await.unwrap();
        let report = store.referral_report(None).await.unwrap();
        assert_eq!(
            (report.referrals, report.converted, report.revenue_fen, report.rewards_fen),
            (1, 1, 300_000, 20_000)
        );
        assert_eq!((report.top[0].customer_id, report.top[0].revenue_fen), (a, 300_000), "{backend}");
        assert_eq!(store.referral_report(Some(today + Duration::days(1))).await.unwrap().referrals, 0, "{backend}");

        store.remove_referral(Actor::SYSTEM, rid).await.unwrap();
        assert!(store.referrals_of(b).await.unwrap().0.is_none(), "{backend}");
        assert_eq!(store.standing(a).await.unwrap().standing.phase, Phase::Establish, "{backend}");
    }
}

#[tokio::test]
async fn win_back_cases_open_for_lapsed_valuable_customers() {
    use guanxi_domain::winback::{AttemptDraft, CaseOutcome, CaseStatus, Trigger};
    for (backend, store) in kit::stores().await {
        let c = customer(&store, "常客丙").await;
        // A monthly buyer through last year who stopped a year ago.
        let mut rows = Vec::new();
        let start = Utc::now() - Duration::days(720);
        for k in 0..12 {
            let day = (start + Duration::days(30 * k)).format("%Y-%m-%d").to_string();
            let o = guanxi_domain::orders::OrderDraft::parse(
                &raw(&[(Field::Id, &c.to_string()), (Field::OrderedAt, &day), (Field::Amount, "1000")]),
                Utc::now(),
            )
            .unwrap();
            rows.push((k as usize + 2, o));
        }
        store.import_orders(Actor::SYSTEM, "o.csv", &rows, false).await.unwrap();
        let small = customer(&store, "小客户丁").await;
        let o = guanxi_domain::orders::OrderDraft::parse(
            &raw(&[
                (Field::Id, &small.to_string()),
                (Field::Amount, "10"),
                (Field::OrderedAt, &today_in_china().to_string()),
            ]),
            Utc::now(),
        )
        .unwrap();
        store.import_orders(Actor::SYSTEM, "o2.csv", &[(2, o)], false).await.unwrap();
        // Value tiers first: a recompute opens cases for key and major customers only.
        let mut settings = store.value_settings().await.unwrap();
        settings.window_days = 800;
        store.save_value_settings(Actor::SYSTEM, &settings).await.unwrap();
        store.assess_today(Actor::SYSTEM).await.unwrap();
        let s = store.standing(c).await.unwrap();
        assert_eq!(s.standing.phase, Phase::WinBack, "{backend}: {:?}", s.standing.why);
        store.recompute_standing(Utc::now()).await.unwrap();
        let open = store.winback_cases(Some(CaseStatus::Open), None, 10, 0).await.unwrap();
        assert_eq!(open.iter().map(|k| k.customer_id).collect::<Vec<_>>(), [c], "{backend}");
        let case = &open[0];
        assert!(matches!(case.trigger, Trigger::ChurnWatch | Trigger::Overdue), "{backend}: {:?}", case.trigger);
        assert!(
            case.figure.yearly_fen > 0 && case.figure.loss_fen > case.figure.yearly_fen,
            "{backend}: {:?}",
            case.figure
        );
        // A second recompute does not open another; nor may a person while one is open.
        store.recompute_standing(Utc::now()).await.unwrap();
        assert_eq!(store.winback_cases(None, None, 10, 0).await.unwrap().len(), 1, "{backend}");
        assert!(matches!(store.open_winback_case(Actor::SYSTEM, c).await, Err(StoreError::Conflict { .. })));
        assert!(matches!(
            store.open_winback_case(Actor::SYSTEM, customer(&store, "没买过").await).await,
            Err(StoreError::Conflict { .. })
        ));

        let attempt = AttemptDraft::parse(&raw(&[
            (Field::Channel, "phone"),
            (Field::AttemptWhat, "问候并说明停用后服务记录会中断"),
            (Field::TheirResponse, "下月再谈"),
        ]))
        .unwrap();
        store.add_winback_attempt(Actor::SYSTEM, case.id, &attempt).await.unwrap();
        let won = CaseOutcome::parse(&raw(&[(Field::Outcome, "won_back")])).unwrap();
        store.close_winback_case(Actor::SYSTEM, case.id, &won).await.unwrap();
        let closed = store.winback_case(case.id).await.unwrap();
        assert_eq!((closed.status, closed.attempts.len()), (CaseStatus::WonBack, 1), "{backend}");
        assert_eq!(closed.attempts[0].response.as_deref(), Some("下月再谈"), "{backend}");
        assert_eq!(store.customer(c).await.unwrap().draft.status, CustomerStatus::Customer, "{backend}");
        assert!(matches!(
            store.add_winback_attempt(Actor::SYSTEM, case.id, &attempt).await,
            Err(StoreError::Conflict { .. })
        ));
        // Closed within the year: the recompute leaves the customer alone; a person may open one.
        store.recompute_standing(Utc::now()).await.unwrap();
        assert_eq!(store.winback_cases(Some(CaseStatus::Open), None, 10, 0).await.unwrap().len(), 0, "{backend}");
        let manual = store.open_winback_case(Actor::SYSTEM, c).await.unwrap();
        assert_eq!(store.winback_case(manual).await.unwrap().trigger, Trigger::Manual, "{backend}");
        assert_eq!(store.open_winback_case_of(c).await.unwrap(), Some(manual), "{backend}");
    }
}

#[tokio::test]
async fn merges_move_checks_surveys_cases_and_referrals_and_unmerge_moves_them_back() {
    use guanxi_domain::winback::ReferralDraft;
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let keep = customer(&store, "周记茶行").await;
        let drop = customer(&store, "周记茶行（旧）").await;
        let friend = customer(&store, "茶友会").await;
        let yes = [Field::NeedsUs, Field::BelievesWeHelp, Field::ThinksWeAreBest, Field::NoCompetitorProducts];
        let check = HealthCheck::parse(&raw(&yes.map(|f| (f, "yes"))), &Default::default()).unwrap();
        store.save_health_check(Actor::SYSTEM, drop, &check).await.unwrap();
        let request = SurveyRequest::parse(&raw(&[])).unwrap();
        let answers = survey(&[(Field::Satisfied, "yes"), (Field::Expectation, "3"), (Field::Experience, "3")]);
        store.record_survey(Actor::SYSTEM, drop, &request, "form", &answers).await.unwrap();
        let referral = ReferralDraft::parse(&raw(&[(Field::Referrer, &drop.to_string())]), today).unwrap();
        store.add_referral(Actor::SYSTEM, friend, &referral).await.unwrap();

        let merge = store.merge(Actor::SYSTEM, keep, drop, &[]).await.unwrap();
        assert_eq!(store.health_checks(keep).await.unwrap().len(), 1, "{backend}");
        assert_eq!(store.surveys(keep).await.unwrap().len(), 1, "{backend}");
        assert_eq!(store.referrals_of(friend).await.unwrap().0.map(|r| r.referrer_id), Some(keep), "{backend}");
        let s = store.standing(keep).await.unwrap();
        assert_eq!((s.health_score, s.standing.phase), (Some(100), Phase::Referral), "{backend}");
        // The dropped customer leaves the health list.
        let list = store.health_list(HealthOrder::Worst, None, None, 10, 0).await.unwrap();
        assert_eq!(list.iter().map(|r| r.customer_id).collect::<Vec<_>>(), [keep], "{backend}");

        store.unmerge(Actor::SYSTEM, merge).await.unwrap();
        assert_eq!(
            (store.health_checks(keep).await.unwrap().len(), store.health_checks(drop).await.unwrap().len()),
            (0, 1)
        );
        assert_eq!(store.surveys(drop).await.unwrap().len(), 1, "{backend}");
        assert_eq!(store.referrals_of(friend).await.unwrap().0.map(|r| r.referrer_id), Some(drop), "{backend}");
        assert_eq!(store.standing(keep).await.unwrap().health_score, None, "{backend}");
    }
}
