//! Opportunities through the standard stages, on every backend.

use crate::kit;
use guanxi_domain::sales::*;
use guanxi_domain::*;
use guanxi_store::*;

fn raw(fields: &[(Field, &str)]) -> Raw {
    let mut r = Raw::new();
    for (f, v) in fields {
        r.set(*f, *v);
    }
    r
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>) -> Validation {
    match r {
        Err(StoreError::Invalid(v)) => v,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deal_goes_through_every_stage() {
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let rep = store
            .add_user(
                Actor::SYSTEM,
                &NewUser {
                    username: "li".into(),
                    display_name: "李雷".into(),
                    role: Role::SalesRep,
                    team: Some("华东".into()),
                },
            )
            .await
            .unwrap();
        let me = Actor(rep.id);
        let org =
            CustomerDraft::parse(&raw(&[(Field::Kind, "企业"), (Field::Name, "宏达机械有限公司")]), today).unwrap();
        let customer = store.create_customer(Actor::SYSTEM, &org).await.unwrap();
        let other = store
            .create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw(&[(Field::Name, "路人甲")]), today).unwrap())
            .await
            .unwrap();
        let kp = |name: &str, role: &str, attitude: &str| {
            KeyPersonDraft::parse(
                &raw(&[(Field::Name, name), (Field::DecisionRole, role), (Field::Attitude, attitude)]),
                today,
            )
            .unwrap()
        };
        let boss = store.add_key_person(me, customer, &kp("王总", "决策者", "中立")).await.unwrap();
        let fan = store.add_key_person(me, customer, &kp("赵经理", "使用者", "支持")).await.unwrap();
        let stranger = store.add_key_person(me, other, &kp("钱工", "技术评估者", "反对")).await.unwrap();

        let d = OpportunityDraft::parse(&raw(&[(Field::Title, "二期产线"), (Field::Amount, "500000")])).unwrap();
        let id = store.create_opportunity(me, customer, &d).await.unwrap();
        let o = store.opportunity(id).await.unwrap();
        assert_eq!((o.stage, o.status, o.probability_pct, o.owner_id), (Stage::Qualify, DealStatus::Open, 10, rep.id));

        // Blocked: the qualification is not done. Nothing changes.
        let v = invalid(store.move_opportunity(me, id, Stage::Approach, None).await);
        assert_eq!(v.0[0].field, Field::Stage, "{backend}");
        let msg = v.message(Lang::ZhCn);
        assert!(msg.contains("确认购买能力") && msg.contains("确认需求") && !msg.contains("补全客户档案"), "{msg}");
        assert_eq!(store.opportunity(id).await.unwrap().stage, Stage::Qualify, "{backend}");

        let changes = raw(&[(Field::PurchasingPower, "是"), (Field::DecisionAuthority, "yes"), (Field::Need, "是")]);
        store.update_opportunity(me, id, &changes, Some(o.version)).await.unwrap();
        // A stale version is refused.
        assert!(matches!(store.update_opportunity(me, id, &changes, Some(1)).await, Err(StoreError::Conflict { .. })));
        let o = store.move_opportunity(me, id, Stage::Approach, None).await.unwrap();
        assert_eq!((o.stage, o.probability_pct), (Stage::Approach, 20), "{backend}");

        // Skipping ahead over approach needs its actions too; a manager's reason overrides.
        let v = invalid(store.move_opportunity(me, id, Stage::Negotiation, Some("  ")).await);
        assert!(v.message(Lang::En).contains("按客户价值选定约见方式"), "{backend}: {}", v.message(Lang::En));
        let o = store.move_opportunity(me, id, Stage::Negotiation, Some("客户主动约我们洽谈")).await.unwrap();
        assert_eq!(o.stage, Stage::Negotiation);

        // Negotiation: a contact on the deal and an engaged decision maker.
        let meeting = InteractionDraft::parse(
            &raw(&[
                (Field::Channel, "面谈"),
                (Field::Summary, "二期产线方案交流"),
                (Field::Place, "客户会议室"),
                (Field::Opportunity, &id.to_string()),
            ]),
            chrono::Utc::now(),
            8,
        )
        .unwrap();
        // Not on another customer's deal.
        let v = invalid(store.add_interaction(me, other, &meeting).await);
        assert_eq!((v.0[0].field, &v.0[0].problem), (Field::Opportunity, &Problem::OtherCustomer), "{backend}");
        store.add_interaction(me, customer, &meeting).await.unwrap();
        let logged = store.interactions(customer).await.unwrap();
        assert_eq!((logged[0].draft.opportunity_id, logged[0].draft.place.as_deref()), (Some(id), Some("客户会议室")));
        let v = invalid(store.set_chain_member(me, id, stranger, true, None).await);
        assert_eq!((v.0[0].field, &v.0[0].problem), (Field::KeyPerson, &Problem::OtherCustomer), "{backend}");
        store.set_chain_member(me, id, boss, false, None).await.unwrap();
        let v = invalid(store.move_opportunity(me, id, Stage::Objections, None).await);
        assert!(v.message(Lang::ZhCn).contains("让决策者参与"), "{backend}");
        store.set_chain_member(me, id, boss, true, Some("请赵经理引荐")).await.unwrap();
        store.set_chain_member(me, id, fan, true, None).await.unwrap();
        let chain: Vec<ChainMember> = store.decision_chain(id).await.unwrap().into_iter().map(|c| c.member).collect();
        assert!(chain_warnings(&chain).is_empty(), "{backend}: {chain:?}");
        store.move_opportunity(me, id, Stage::Objections, None).await.unwrap();

        // An open objection holds the deal at objection handling until it is resolved.
        let price = ObjectionDraft::parse(&raw(&[(Field::Objection, "比竞品贵 8%"), (Field::Cause, "价格")])).unwrap();
        let objection = store.add_objection(me, id, &price).await.unwrap();
        assert!(
            invalid(store.move_opportunity(me, id, Stage::Closing, None).await).message(Lang::ZhCn).contains("异议")
        );
        let answered = ObjectionDraft::parse(&raw(&[
            (Field::Objection, "比竞品贵 8%"),
            (Field::Cause, "price"),
            (Field::Answer, "三年维保包含在内，总成本更低"),
            (Field::Resolved, "yes"),
        ]))
        .unwrap();
        store.update_objection(me, objection, &answered).await.unwrap();
        assert!(store.objections(id).await.unwrap()[0].resolved_at.is_some(), "{backend}");
        store.move_opportunity(me, id, Stage::Closing, None).await.unwrap();

        // Closing: the terms are ticked by hand; a key that does not exist is named.
        let v = invalid(store.tick_action(me, id, Stage::Closing, "nonsense", true).await);
        assert_eq!(v.0[0].field, Field::Action);
        assert!(
            invalid(
                store.close_opportunity(me, id, &Outcome::Won { amount_fen: 1, closed_on: today }, None, true).await
            )
            .message(Lang::ZhCn)
            .contains("确认合同条款")
        );
        store.tick_action(me, id, Stage::Closing, "terms", true).await.unwrap();
        let list = store.opportunity_checklist(id).await.unwrap();
        // Done, except what the override skipped.
        let undone: Vec<&str> =
            list.iter().filter(|c| c.action.mandatory && !c.done).map(|c| c.action.key.as_str()).collect();
        assert_eq!(undone, ["appointment", "preparation"], "{backend}");
        // A cadence that takes customers whose deal is won (issue #16).
        let thanks = guanxi_domain::cadences::CadenceDraft {
            name: "赢单后回访".into(),
            description: None,
            exit_on_reply: false,
            exit_on_buy: false,
            exit_on_visit: false,
            steps: vec![guanxi_domain::cadences::StepDraft {
                delay_days: 3,
                kind: guanxi_domain::cadences::StepKind::Task,
                template_id: None,
                task_title: Some("回访{{称呼}}".into()),
                approve: false,
            }],
            starts_on: None,
            enrol_on: Some(guanxi_domain::cadences::EnrolRule::DealWon),
        };
        let thanks = store.save_cadence(Actor::SYSTEM, None, &thanks).await.unwrap();
        // The won deal's order is the customer's first: the coffee shop's welcome takes them too.
        let welcome = store.create_example_cadence(Actor::SYSTEM, Lang::ZhCn).await.unwrap();
        let won = Outcome::Won { amount_fen: 48_000_000, closed_on: today };
        let o = store.close_opportunity(me, id, &won, None, true).await.unwrap();
        let put_in = store.enrolments(Some(customer), Some(thanks.id), 5).await.unwrap();
        assert_eq!(put_in.len(), 1, "{backend}: put in by the won deal");
        let welcomed = store.enrolments(Some(customer), Some(welcome.id), 5).await.unwrap();
        assert_eq!(welcomed.len(), 1, "{backend}: the won deal's order is a first purchase");
        assert_eq!(
            (o.status, o.stage, o.won_amount_fen, o.probability_pct),
            (DealStatus::Won, Stage::AfterSales, Some(48_000_000), 100)
        );
        // The win is the customer's purchase, in the same transaction (issue #22).
        let orders = store.orders_of(o.customer_id).await.unwrap();
        assert_eq!(orders.len(), 1, "{backend}");
        assert_eq!(
            (orders[0].amount_fen, orders[0].order_no.clone()),
            (48_000_000, Some(format!("DEAL-{id}"))),
            "{backend}"
        );
        assert_eq!(store.rollup(o.customer_id).await.unwrap().map(|r| r.orders), Some(1), "{backend}");
        let tasks = store.opportunity_tasks(id).await.unwrap();
        assert_eq!(tasks.len(), 3, "{backend}");
        assert_eq!((tasks[0].due_on, tasks[0].assignee.as_str()), (today + chrono::Duration::days(3), "li"));
        store.complete_task(me, tasks[0].id, true).await.unwrap();
        assert!(store.opportunity_tasks(id).await.unwrap()[0].done_at.is_some());

        // A closed deal takes no more moves.
        let v = invalid(store.move_opportunity(me, id, Stage::Closing, None).await);
        assert_eq!(v.0[0].problem, Problem::Closed, "{backend}");

        let history = store.opportunity_changes(id).await.unwrap();
        let path: Vec<(Option<Stage>, Stage)> = history.iter().map(|h| (h.from_stage, h.to_stage)).collect();
        assert_eq!(
            path,
            [
                (None, Stage::Qualify),
                (Some(Stage::Qualify), Stage::Approach),
                (Some(Stage::Approach), Stage::Negotiation),
                (Some(Stage::Negotiation), Stage::Objections),
                (Some(Stage::Objections), Stage::Closing),
                (Some(Stage::Closing), Stage::AfterSales),
            ],
            "{backend}"
        );
        assert_eq!(history[2].override_reason.as_deref(), Some("客户主动约我们洽谈"));
        assert_eq!(history[2].skipped, ["按客户价值选定约见方式", "做好接近准备"]);
        assert!(history.iter().all(|h| h.changed_by == "li"));

        // A lost deal keeps its stage and reason; the list filters by status, owner and words.
        let d2 = OpportunityDraft::parse(&raw(&[(Field::Title, "备件年度合同"), (Field::Amount, "80000")])).unwrap();
        let id2 = store.create_opportunity(me, customer, &d2).await.unwrap();
        let lost = Outcome::Lost { reason: "预算被砍".into(), lost_to: Some("甲公司".into()), closed_on: today };
        let o2 = store.close_opportunity(me, id2, &lost, None, true).await.unwrap();
        assert_eq!((o2.status, o2.stage, o2.lost_to.as_deref()), (DealStatus::Lost, Stage::Qualify, Some("甲公司")));
        let page = store
            .list_opportunities(&OpportunityFilter { owner_id: Some(rep.id), per_page: 50, ..Default::default() })
            .await
            .unwrap();
        assert_eq!((page.total, page.amount_fen), (2, 58_000_000), "{backend}");
        let f = OpportunityFilter {
            status: Some(DealStatus::Won),
            q: Some("宏达".into()),
            per_page: 50,
            ..Default::default()
        };
        let page = store.list_opportunities(&f).await.unwrap();
        assert_eq!(page.items.iter().map(|o| o.id).collect::<Vec<_>>(), [id], "{backend}");
        let f = OpportunityFilter {
            team: Some("华东".into()),
            stage: Some(Stage::Qualify),
            per_page: 50,
            ..Default::default()
        };
        assert_eq!(store.list_opportunities(&f).await.unwrap().total, 1, "{backend}");

        // The reports over today: one won, one lost; the funnel of both deals; the objection;
        // the competitor; days in stages that were left.
        let f = ReportFilter {
            owner_id: Some(rep.id),
            team: None,
            from: today,
            to: today,
            stalled_before: chrono::Utc::now() - chrono::Duration::days(14),
        };
        let report = store.sales_report(&f).await.unwrap();
        assert_eq!((report.won, report.lost), (1, 1), "{backend}");
        assert_eq!(report.by_owner[0].won_fen, 48_000_000, "{backend}");
        let funnel: Vec<i64> = report.funnel.iter().map(|(_, n)| *n).collect();
        assert_eq!(funnel, [2, 1, 1, 1, 1, 1], "{backend}");
        assert_eq!(report.objections, [(ObjectionCause::Price, 1, 0)], "{backend}");
        assert_eq!(report.lost_to, [("甲公司".to_string(), 1, 8_000_000)], "{backend}");
        let stays: Vec<Stage> = report.stage_days.iter().map(|(s, _, _)| *s).collect();
        assert_eq!(
            stays,
            [Stage::Qualify, Stage::Approach, Stage::Negotiation, Stage::Objections, Stage::Closing],
            "{backend}"
        );
        assert!(report.cycle_days.is_some_and(|d| d >= 0.0), "{backend}");
        assert_eq!(report.stalled, 0, "{backend}");
        // Quiet since "tomorrow": nothing open is left to stall; another team sees nothing.
        let f2 = ReportFilter { owner_id: None, team: Some("华北".into()), ..f.clone() };
        let other = store.sales_report(&f2).await.unwrap();
        assert_eq!((other.won, other.funnel[0].1), (0, 0), "{backend}");
        let f3 = ReportFilter { owner_id: None, team: Some("华东".into()), ..f };
        assert_eq!(store.sales_report(&f3).await.unwrap().won, 1, "{backend}");

        // Everything above is in the customer's history.
        let entities: Vec<String> = store.history(customer).await.unwrap().into_iter().map(|e| e.entity).collect();
        for e in ["opportunity", "objection", "decision_chain", "task"] {
            assert!(entities.iter().any(|x| x == e), "{backend}: {e} missing from {entities:?}");
        }
    }
}

#[tokio::test]
async fn sales_settings_are_checked_and_used() {
    for (backend, store) in kit::stores().await {
        let mut s = store.sales_settings().await.unwrap();
        assert_eq!(s, SalesSettings::default());
        s.stages[0].actions.retain(|a| a.key == "profile");
        s.stages[0].actions[0].mandatory = true;
        s.after_sales_tasks.clear();
        store.save_sales_settings(Actor::SYSTEM, &s).await.unwrap();
        let mut bad = s.clone();
        bad.stalled_days = 0;
        assert!(matches!(store.save_sales_settings(Actor::SYSTEM, &bad).await, Err(StoreError::Invalid(_))));
        assert_eq!(store.sales_settings().await.unwrap(), s, "{backend}");

        let today = today_in_china();
        let c = store
            .create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw(&[(Field::Name, "孙七")]), today).unwrap())
            .await
            .unwrap();
        let d = OpportunityDraft::parse(&raw(&[(Field::Title, "家装"), (Field::Probability, "50")])).unwrap();
        let id = store.create_opportunity(Actor::SYSTEM, c, &d).await.unwrap();
        // The company's own checklist: the profile tick is now what qualifying needs.
        let v = invalid(store.move_opportunity(Actor::SYSTEM, id, Stage::Approach, None).await);
        assert!(v.message(Lang::ZhCn).contains("补全客户档案"), "{backend}");
        store.tick_action(Actor::SYSTEM, id, Stage::Qualify, "profile", true).await.unwrap();
        let o = store.move_opportunity(Actor::SYSTEM, id, Stage::Approach, None).await.unwrap();
        assert_eq!(o.probability_pct, 50, "{backend}: a probability set by hand stays");
        let v = invalid(store.move_opportunity(Actor::SYSTEM, id, Stage::AfterSales, Some("x")).await);
        assert_eq!(v.0[0].problem, Problem::WinToEnter);
    }
}

#[tokio::test]
async fn deals_with_their_past_are_imported_and_reported() {
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let c = store
            .create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw(&[(Field::Name, "周八")]), today).unwrap())
            .await
            .unwrap();
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let at = |d: u32| guanxi_domain::china::end_of_day(day(d)) - chrono::Duration::hours(12);
        let draft =
            |title: &str| OpportunityDraft::parse(&raw(&[(Field::Title, title), (Field::Amount, "1000")])).unwrap();
        let won = DealImport {
            customer_id: c,
            owner_id: Actor::SYSTEM.0,
            draft: draft("甲"),
            created_at: at(1),
            moves: vec![(Stage::Approach, at(3)), (Stage::Negotiation, at(7)), (Stage::Closing, at(8))],
            outcome: Some((Outcome::Won { amount_fen: 90_000, closed_on: day(11) }, at(11))),
            objections: vec![],
        };
        let open = DealImport {
            customer_id: c,
            owner_id: Actor::SYSTEM.0,
            draft: draft("乙"),
            created_at: at(2),
            moves: vec![(Stage::Approach, at(4))],
            outcome: None,
            objections: vec![(
                ObjectionDraft::parse(&raw(&[(Field::Objection, "要等预算"), (Field::Cause, "budget")])).unwrap(),
                at(5),
            )],
        };
        assert_eq!(store.import_deals(Actor::SYSTEM, "old-crm.xlsx", &[won, open]).await.unwrap(), 2);
        let f = ReportFilter {
            owner_id: None,
            team: None,
            from: day(1),
            to: day(31),
            stalled_before: chrono::Utc::now() - chrono::Duration::days(14),
        };
        let r = store.sales_report(&f).await.unwrap();
        assert_eq!(r.funnel.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [2, 2, 1, 1, 1, 1], "{backend}");
        // Qualify: 2 and 2 days; approach: 4 days (the open deal's stay has not ended); negotiation 1; closing 3.
        let days: Vec<(Stage, f64, i64)> = r.stage_days.clone();
        assert_eq!(
            days,
            [
                (Stage::Qualify, 2.0, 2),
                (Stage::Approach, 4.0, 1),
                (Stage::Negotiation, 1.0, 1),
                (Stage::Closing, 3.0, 1)
            ],
            "{backend}"
        );
        assert_eq!(r.cycle_days, Some(10.0), "{backend}");
        assert_eq!((r.won, r.stalled), (1, 1), "{backend}: the open deal has been quiet since March");
        assert_eq!(r.objections, [(ObjectionCause::Budget, 1, 1)], "{backend}");
        assert_eq!(r.by_owner[0].weighted_fen, 100_000 * 20 / 100, "{backend}: the open deal at approach (20%)");
        assert_eq!(r.by_owner[0].won_fen, 90_000, "{backend}");
        let deals = store.list_opportunities(&OpportunityFilter { per_page: 10, ..Default::default() }).await.unwrap();
        let won = deals.items.iter().find(|o| o.draft.title == "甲").unwrap();
        let history = store.opportunity_changes(won.id).await.unwrap();
        assert_eq!(history.len(), 5, "{backend}");
        assert_eq!((history[4].to_stage, history[4].status), (Stage::AfterSales, DealStatus::Won));
        // Outside the period: nothing won, nothing opened.
        let march = ReportFilter { from: day(20), to: day(31), ..f };
        let r = store.sales_report(&march).await.unwrap();
        assert_eq!((r.won, r.funnel[0].1, r.stage_days.len()), (0, 0, 0), "{backend}");
    }
}

#[tokio::test]
async fn files_attach_to_a_deal() {
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let c = store
            .create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw(&[(Field::Name, "吴九")]), today).unwrap())
            .await
            .unwrap();
        let d = OpportunityDraft::parse(&raw(&[(Field::Title, "门店装修")])).unwrap();
        let id = store.create_opportunity(Actor::SYSTEM, c, &d).await.unwrap();
        let content = vec![0u8, 159, 146, 150, 255];
        let file = store
            .add_attachment(Actor::SYSTEM, id, "C:\\\\报价\\\\方案 v2.pdf", "application/pdf", &content)
            .await
            .unwrap();
        let (info, back) = store.attachment(id, file).await.unwrap();
        assert_eq!(
            (info.name.as_str(), info.size, back),
            ("方案 v2.pdf", 5, content),
            "{backend}: the path is dropped"
        );
        // Empty, nameless and oversized files are named.
        let v = invalid(store.add_attachment(Actor::SYSTEM, id, "a.pdf", "", b"").await);
        assert_eq!((v.0[0].field, &v.0[0].problem), (Field::Attachment, &Problem::Required), "{backend}");
        let big = vec![0u8; 10 * 1024 * 1024 + 1];
        let v = invalid(store.add_attachment(Actor::SYSTEM, id, "big.zip", "", &big).await);
        assert_eq!(v.0[0].problem, Problem::FileTooLarge { max_mb: 10 }, "{backend}");
        // Another deal's file is not found through this one.
        let other = store.create_opportunity(Actor::SYSTEM, c, &d).await.unwrap();
        assert!(matches!(store.attachment(other, file).await, Err(StoreError::NotFound { .. })), "{backend}");
        store.delete_attachment(Actor::SYSTEM, id, file).await.unwrap();
        assert!(store.attachments(id).await.unwrap().is_empty(), "{backend}");
        let entities: Vec<String> = store.history(c).await.unwrap().into_iter().map(|e| e.entity).collect();
        assert!(entities.iter().filter(|e| *e == "attachment").count() == 2, "{backend}: {entities:?}");
    }
}

#[tokio::test]
async fn merges_move_deals_tasks_and_engagements_and_unmerge_moves_them_back() {
    use guanxi_domain::competitors::{CompetitorDraft, EngagementDraft, EngagementKind};
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let customer = |name: &str| {
            CustomerDraft::parse(&raw(&[(Field::Name, name), (Field::Phone, "13911112222")]), today).unwrap()
        };
        let keep = store.create_customer(Actor::SYSTEM, &customer("陈十一")).await.unwrap();
        let drop = store.create_customer(Actor::SYSTEM, &customer("陈十一")).await.unwrap();
        let d = OpportunityDraft::parse(&raw(&[(Field::Title, "年度续约")])).unwrap();
        let deal = store.create_opportunity(Actor::SYSTEM, drop, &d).await.unwrap();
        let won = Outcome::Won { amount_fen: 100, closed_on: today };
        store.close_opportunity(Actor::SYSTEM, deal, &won, Some("测试"), false).await.unwrap();
        let rival = store
            .create_competitor(Actor::SYSTEM, &CompetitorDraft::parse(&raw(&[(Field::Name, "联创实业")])).unwrap())
            .await
            .unwrap();
        let e = EngagementDraft { competitor_id: rival, kind: EngagementKind::Talking, since: today, note: None };
        store.add_engagement(Actor::SYSTEM, drop, &e).await.unwrap();

        let merge = store.merge(Actor::SYSTEM, keep, drop, &[]).await.unwrap();
        assert_eq!(store.opportunity(deal).await.unwrap().customer_id, keep, "{backend}");
        assert!(store.opportunity_tasks(deal).await.unwrap().iter().all(|t| t.customer_id == Some(keep)), "{backend}");
        assert_eq!(store.engagements_of(keep).await.unwrap().len(), 1, "{backend}");
        store.unmerge(Actor::SYSTEM, merge).await.unwrap();
        assert_eq!(store.opportunity(deal).await.unwrap().customer_id, drop, "{backend}");
        assert!(store.opportunity_tasks(deal).await.unwrap().iter().all(|t| t.customer_id == Some(drop)), "{backend}");
        assert_eq!(
            (store.engagements_of(keep).await.unwrap().len(), store.engagements_of(drop).await.unwrap().len()),
            (0, 1)
        );
    }
}

#[tokio::test]
async fn a_deals_contacts_stay_linked_and_quiet_deals_are_listed_as_stalled() {
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let c = store
            .create_customer(Actor::SYSTEM, &CustomerDraft::parse(&raw(&[(Field::Name, "卫十二")]), today).unwrap())
            .await
            .unwrap();
        let d = OpportunityDraft::parse(&raw(&[(Field::Title, "仓储系统")])).unwrap();
        let id = store.create_opportunity(Actor::SYSTEM, c, &d).await.unwrap();
        let contact = |extra: &[(Field, &str)]| {
            let mut r = raw(&[(Field::Channel, "phone"), (Field::Summary, "约时间")]);
            for (f, v) in extra {
                r.set(*f, *v);
            }
            InteractionDraft::parse(&r, chrono::Utc::now(), 8).unwrap()
        };
        let iid =
            store.add_interaction(Actor::SYSTEM, c, &contact(&[(Field::Opportunity, &id.to_string())])).await.unwrap();
        // Corrected without naming the deal (as the customer page's edit form does): still the deal's.
        store.update_interaction(Actor::SYSTEM, iid, &contact(&[(Field::Summary, "约好周三上门")])).await.unwrap();
        let logged = store.interactions(c).await.unwrap();
        assert_eq!(
            (logged[0].draft.opportunity_id, logged[0].draft.summary.as_str()),
            (Some(id), "约好周三上门"),
            "{backend}"
        );

        // Quiet since a moment after now: stalled; since a moment before: not.
        let stalled = |since: chrono::DateTime<chrono::Utc>| OpportunityFilter {
            quiet_since: Some(since),
            per_page: 10,
            ..Default::default()
        };
        let later = chrono::Utc::now() + chrono::Duration::minutes(10);
        assert_eq!(store.list_opportunities(&stalled(later)).await.unwrap().total, 1, "{backend}");
        let earlier = chrono::Utc::now() - chrono::Duration::days(14);
        assert_eq!(store.list_opportunities(&stalled(earlier)).await.unwrap().total, 0, "{backend}");
    }
}
