//! The store's behaviour, run on every backend (see kit.rs).

mod cases;
mod kit;

use guanxi_domain::value::Period;
use guanxi_domain::*;
use guanxi_store::*;

fn today() -> chrono::NaiveDate {
    today_in_china()
}

fn person(fields: &[(Field, &str)]) -> CustomerDraft {
    let mut raw = Raw::new();
    for (f, v) in fields {
        raw.set(*f, *v);
    }
    CustomerDraft::parse(&raw, today()).expect("valid draft")
}

async fn rep(store: &Store, username: &str) -> User {
    store
        .add_user(
            Actor::SYSTEM,
            &NewUser {
                username: username.into(),
                display_name: username.into(),
                role: Role::SalesRep,
                team: Some("华北".into()),
            },
        )
        .await
        .expect("add user")
}

#[tokio::test]
async fn migrations_are_idempotent() {
    for (backend, store) in kit::stores().await {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/sqlite");
        let files = std::fs::read_dir(dir).unwrap().count() as i64;
        assert_eq!(store.applied_migrations().await.unwrap(), (1..=files).collect::<Vec<i64>>(), "{backend}");
        assert!(store.migrate().await.unwrap().is_empty(), "{backend}: nothing left to apply");
    }
}

#[tokio::test]
async fn create_read_update_with_audit() {
    for (backend, store) in kit::stores().await {
        let wang = rep(&store, "wang").await;
        let draft = person(&[
            (Field::Name, "王芳"),
            (Field::Phone, "139-1111-2222"),
            (Field::Owner, "wang"),
            (Field::Tags, "常客, VIP"),
            (Field::Preferences, "座位: 角落; 饮品: 冰摩卡，两块糖，两块冰"),
            (Field::Birthday, "1990-05-03"),
        ]);
        let id = store.create_customer(Actor(wang.id), &draft).await.unwrap();
        let got = store.customer(id).await.unwrap();
        assert_eq!(got.draft.name, "王芳", "{backend}");
        assert_eq!(got.draft.phone.as_ref().unwrap().as_str(), "13911112222");
        assert_eq!(got.draft.owner.as_deref(), Some("wang"));
        assert_eq!(got.owner_id, Some(wang.id));
        assert_eq!(got.draft.tags, vec!["VIP", "常客"]);
        assert_eq!(got.draft.preferences.len(), 2);
        assert_eq!(got.version, 1);

        let changed = store
            .update_customer(
                Actor(wang.id),
                id,
                &Raw::new().with(Field::City, "杭州").with(Field::Tags, "常客"),
                Some(1),
            )
            .await
            .unwrap();
        assert_eq!(changed.draft.city.as_deref(), Some("杭州"));
        assert_eq!(changed.draft.tags, vec!["常客"]);
        assert_eq!(changed.version, 2);

        // A stale version is refused and nothing changes.
        let stale = store.update_customer(Actor(wang.id), id, &Raw::new().with(Field::City, "上海"), Some(1)).await;
        assert!(matches!(stale, Err(StoreError::Conflict { .. })), "{backend}");
        assert_eq!(store.customer(id).await.unwrap().draft.city.as_deref(), Some("杭州"));

        // Invalid changes name the field and change nothing.
        let bad = store.update_customer(Actor(wang.id), id, &Raw::new().with(Field::Phone, "12345"), None).await;
        match bad {
            Err(StoreError::Invalid(v)) => assert_eq!(v.0[0].field, Field::Phone),
            other => panic!("{backend}: expected a validation error, got {other:?}"),
        }
        assert_eq!(store.customer(id).await.unwrap().version, 2);

        let history = store.history(id).await.unwrap();
        assert_eq!(history.len(), 2, "{backend}: create + update");
        assert_eq!(history[0].action, "update");
        assert_eq!(history[0].actor, "wang");
        assert_eq!(history[0].before.as_ref().unwrap()["tags"], "VIP, 常客");
        assert_eq!(history[0].after.as_ref().unwrap()["city"], "杭州");
        assert_eq!(history[1].action, "create");
    }
}

#[tokio::test]
async fn unknown_owner_is_a_field_error() {
    for (backend, store) in kit::stores().await {
        let draft = person(&[(Field::Name, "李四"), (Field::Owner, "nobody")]);
        match store.create_customer(Actor::SYSTEM, &draft).await {
            Err(StoreError::Invalid(v)) => {
                assert_eq!(v.0[0].field, Field::Owner, "{backend}");
                assert_eq!(v.0[0].problem, Problem::UnknownUser);
            }
            other => panic!("{backend}: {other:?}"),
        }
        assert_eq!(store.count_customers().await.unwrap(), 0, "{backend}: nothing written");
    }
}

#[tokio::test]
async fn soft_delete_and_restore() {
    for (backend, store) in kit::stores().await {
        let id = store.create_customer(Actor::SYSTEM, &person(&[(Field::Name, "赵六")])).await.unwrap();
        store.delete_customer(Actor::SYSTEM, id).await.unwrap();
        assert!(store.customer(id).await.unwrap().deleted_at.is_some(), "{backend}");
        assert!(store.search("赵六", 10).await.unwrap().is_empty(), "{backend}: deleted customers are not found");
        let bin =
            store.list_customers(&CustomerFilter { deleted: true, per_page: 50, ..Default::default() }).await.unwrap();
        assert_eq!(bin.total, 1);
        // Editing a deleted customer is refused.
        assert!(store.update_customer(Actor::SYSTEM, id, &Raw::new().with(Field::City, "x"), None).await.is_err());
        store.restore_customer(Actor::SYSTEM, id).await.unwrap();
        assert_eq!(store.search("赵六", 10).await.unwrap().len(), 1, "{backend}");
        assert!(store.restore_customer(Actor::SYSTEM, id).await.is_err(), "{backend}: not in the bin any more");
        let actions: Vec<String> = store.history(id).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, vec!["restore", "delete", "create"]);
    }
}

#[tokio::test]
async fn key_people_people_around_and_interactions() {
    for (backend, store) in kit::stores().await {
        let wang = rep(&store, "wang").await;
        let org = person(&[(Field::Kind, "企业"), (Field::Name, "华为技术有限公司"), (Field::Industry, "通信")]);
        let id = store.create_customer(Actor::SYSTEM, &org).await.unwrap();
        let kp = KeyPersonDraft::parse(
            &Raw::new()
                .with(Field::Name, "刘建国")
                .with(Field::JobTitle, "采购总监")
                .with(Field::DecisionRole, "决策者")
                .with(Field::Attitude, "支持")
                .with(Field::Phone, "13700001111")
                .with(Field::Preferences, "茶: 龙井"),
            today(),
        )
        .unwrap();
        let kp_id = store.add_key_person(Actor::SYSTEM, id, &kp).await.unwrap();
        let wife = PersonAroundDraft::parse(
            &Raw::new().with(Field::Name, "陈丽").with(Field::Relation, "妻子").with(Field::Preferences, "花: 百合"),
            today(),
        )
        .unwrap();
        store.add_person_around(Actor::SYSTEM, id, Some(kp_id), &wife).await.unwrap();

        // The key person's name and phone find the organization.
        let hits = store.search("刘建国", 10).await.unwrap();
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![id], "{backend}");
        assert_eq!(store.search("1111", 10).await.unwrap().len(), 1, "{backend}");

        let meeting = InteractionDraft::parse(
            &Raw::new()
                .with(Field::Channel, "面谈")
                .with(Field::Summary, "讨论了 5G 基站的采购计划")
                .with(Field::OccurredAt, "2026-03-01 10:00")
                .with(Field::NextStep, "发报价")
                .with(Field::OurParticipants, "wang")
                .with(Field::TheirParticipants, "刘建国, 小张"),
            chrono::Utc::now(),
            8,
        )
        .unwrap();
        store.add_interaction(Actor(wang.id), id, &meeting).await.unwrap();
        let log = store.interactions(id).await.unwrap();
        assert_eq!(log.len(), 1, "{backend}");
        assert_eq!(log[0].ours[0].user_id, Some(wang.id));
        assert_eq!(log[0].theirs[0].key_person_id, Some(kp_id), "{backend}: matched by name");
        assert_eq!(log[0].theirs[1].key_person_id, None);
        assert_eq!(log[0].draft.occurred_at, meeting.occurred_at);

        let unknown = InteractionDraft { our_participants: vec!["ghost".into()], ..meeting.clone() };
        match store.add_interaction(Actor::SYSTEM, id, &unknown).await {
            Err(StoreError::Invalid(v)) => assert_eq!(v.0[0].field, Field::OurParticipants),
            other => panic!("{backend}: {other:?}"),
        }

        let people = store.key_people(id).await.unwrap();
        assert_eq!(people[0].draft.decision_role, Some(DecisionRole::DecisionMaker));
        let around = store.people_around(id).await.unwrap();
        assert_eq!(around[0].key_person_id, Some(kp_id));
        assert_eq!(around[0].draft.relation, Relation::Spouse);

        store.delete_key_person(Actor::SYSTEM, kp_id).await.unwrap();
        assert!(store.search("刘建国", 10).await.unwrap().is_empty(), "{backend}: reindexed after delete");
        let entities: Vec<String> = store.history(id).await.unwrap().into_iter().map(|e| e.entity).collect();
        assert!(entities.contains(&"interaction".to_string()));
        assert!(entities.contains(&"person_around".to_string()));
    }
}

/// The search contract: same results, same order, on both backends.
#[tokio::test]
async fn chinese_first_search() {
    let mut results: Vec<Vec<Vec<String>>> = Vec::new();
    for (backend, store) in kit::stores().await {
        let add = |f: &[(Field, &str)]| person(f);
        for d in [
            add(&[(Field::Name, "张三"), (Field::Phone, "13812345678"), (Field::Employer, "北京华为技术有限公司")]),
            add(&[(Field::Name, "张三丰"), (Field::Email, "sanfeng@wudang.cn")]),
            add(&[(Field::Name, "曾小贤"), (Field::City, "上海")]),
            add(&[(Field::Name, "周思"), (Field::Phone, "010-87654321")]),
            add(&[(Field::Kind, "organization"), (Field::Name, "张家口钢铁集团")]),
            add(&[(Field::Name, "李四"), (Field::Wechat, "lisi_1990")]),
        ] {
            store.create_customer(Actor::SYSTEM, &d).await.unwrap();
        }
        let names = |hits: Vec<CustomerSummary>| hits.into_iter().map(|h| h.name).collect::<Vec<_>>();
        let mut per_query = Vec::new();
        for (q, expect_first, expect_len) in [
            ("张", "张三", 3),
            ("张三", "张三", 2),
            ("zhangsan", "张三", 2),
            ("zs", "张三", 3),
            ("zeng", "曾小贤", 1),
            ("zxx", "曾小贤", 1),
            ("5678", "张三", 1),
            ("8765", "周思", 1),
            ("sanfeng@wudang", "张三丰", 1),
            ("华为", "张三", 1),
            ("huawei", "张三", 1),
            ("lisi1990", "李四", 1),
            ("张 华为", "张三", 1),
            ("张家口钢铁", "张家口钢铁集团", 1),
        ] {
            let got = names(store.search(q, 20).await.unwrap());
            assert_eq!(got.first().map(String::as_str), Some(expect_first), "{backend}: {q} → {got:?}");
            assert_eq!(got.len(), expect_len, "{backend}: {q} → {got:?}");
            per_query.push(got);
        }
        // Exact name matches rank first: 张三 before 张三丰 for "张三"; and for "zs" the
        // exact-initials 张三 comes before the prefix match 周思 / 张三丰.
        assert_eq!(names(store.search("张三", 20).await.unwrap()), vec!["张三", "张三丰"]);
        // Hostile input is just text.
        for q in ["'; DROP TABLE customers; --", "\"*", "NEAR(", "a:*", "张 OR 1=1", "%", ""] {
            store.search(q, 20).await.unwrap_or_else(|e| panic!("{backend}: {q:?}: {e}"));
        }
        assert_eq!(store.count_customers().await.unwrap(), 6);
        results.push(per_query);
    }
    if results.len() == 2 {
        assert_eq!(results[0], results[1], "SQLite and PostgreSQL disagree");
    }
}

fn row(line: usize, fields: &[(Field, &str)]) -> ImportRow {
    let d = person(fields);
    ImportRow {
        id: None,
        line,
        draft: d,
        kind_given: fields.iter().any(|(f, _)| *f == Field::Kind),
        status_given: fields.iter().any(|(f, _)| *f == Field::Status),
        force_new: false,
        prepared: None,
    }
}

#[tokio::test]
async fn import_matches_instead_of_duplicating() {
    for (backend, store) in kit::stores().await {
        let org = store
            .create_customer(
                Actor::SYSTEM,
                &person(&[(Field::Kind, "organization"), (Field::Name, "某集团"), (Field::Phone, "010-12345678")]),
            )
            .await
            .unwrap();
        let rows = vec![
            row(2, &[(Field::Name, "张三"), (Field::Phone, "13800000001"), (Field::ExternalId, "C-1")]),
            row(3, &[(Field::Name, "李四"), (Field::Email, "lisi@qq.com")]),
            row(4, &[(Field::Name, "某集团"), (Field::Phone, "010-12345678"), (Field::City, "北京")]),
        ];
        let first = store.import_customers(Actor::SYSTEM, "a.csv", &rows).await.unwrap();
        assert_eq!(first, ImportOutcome { created: 2, updated: 1, unchanged: 0 }, "{backend}");
        // The organization kept its kind: the file had no kind column.
        let o = store.customer(org).await.unwrap();
        assert_eq!(o.draft.kind, CustomerKind::Organization, "{backend}");
        assert_eq!(o.draft.city.as_deref(), Some("北京"));
        // The same file again changes nothing.
        let again = store.import_customers(Actor::SYSTEM, "a.csv", &rows).await.unwrap();
        assert_eq!(again, ImportOutcome { created: 0, updated: 0, unchanged: 3 }, "{backend}");
        // Matching by external id first, then phone, then e-mail.
        let changed = vec![
            row(2, &[(Field::Name, "张三"), (Field::Phone, "13800000009"), (Field::ExternalId, "C-1")]),
            row(3, &[(Field::Name, "李四"), (Field::Email, "LISI@qq.com"), (Field::City, "天津")]),
        ];
        let third = store.import_customers(Actor::SYSTEM, "b.csv", &changed).await.unwrap();
        assert_eq!(third, ImportOutcome { created: 0, updated: 2, unchanged: 0 }, "{backend}");
        assert_eq!(store.count_customers().await.unwrap(), 3);
        // The updated customers' search keys were rewritten when the import finished.
        let found = |q: &'static str| {
            let store = &store;
            async move { store.search(q, 10).await.unwrap().into_iter().map(|c| c.name).collect::<Vec<_>>() }
        };
        assert_eq!(found("13800000009").await, ["张三"], "{backend}");
        assert!(found("13800000001").await.is_empty(), "{backend}: the old phone no longer finds 张三");
        assert_eq!(found("tianjin").await, Vec::<String>::new(), "{backend}: a city is not a search key");
        let log = store.audit_log(100).await.unwrap();
        assert!(
            log.iter().any(|e| e.entity == "customers" && e.action == "import" && e.note.as_deref() == Some("b.csv"))
        );
    }
}

/// Customers an import creates (written in bulk, from values computed ahead or not) read back,
/// search and audit exactly as a customer created by hand.
#[tokio::test]
async fn imported_customers_are_like_created_ones() {
    for (backend, store) in kit::stores().await {
        let fields: &[(Field, &str)] = &[
            (Field::Name, "曾小贤"),
            (Field::Phone, "139-2222-3333"),
            (Field::Email, "Zeng.XX@qq.com"),
            (Field::Tags, "常客, VIP"),
            (Field::Preferences, "座位: 角落; 饮品: 冰摩卡，两块糖，两块冰"),
            (Field::Birthday, "1990-05-03"),
            (Field::Notes, "说 \"老样子\"\\n换行\t制表"),
        ];
        let by_hand = store.create_customer(Actor::SYSTEM, &person(fields)).await.unwrap();
        let twin = |line: usize, name: &str, phone: &str, email: &str, ahead: bool| {
            let mut f = fields.to_vec();
            f[0] = (Field::Name, name);
            f[1] = (Field::Phone, phone);
            f[2] = (Field::Email, email);
            let mut r = row(line, &f);
            if ahead {
                r.prepared = Some(Prepared::of(&r.draft));
            }
            r
        };
        let rows = vec![
            twin(2, "曾晓贤", "139-2222-4444", "a@qq.com", true),
            twin(3, "曾小娴", "139-2222-5555", "b@qq.com", false),
        ];
        let o = store.import_customers(Actor::SYSTEM, "twins.csv", &rows).await.unwrap();
        assert_eq!(o.created, 2, "{backend}");
        let hand = store.customer(by_hand).await.unwrap();
        let hits = store.search("zxx", 10).await.unwrap();
        assert_eq!(hits.len(), 3, "{backend}: all three found by initials");
        for id in hits.iter().map(|h| h.id).filter(|id| *id != by_hand) {
            let got = store.customer(id).await.unwrap();
            let mut want = rows
                .iter()
                .find(|r| Some(r.draft.phone.clone()) == Some(got.draft.phone.clone()))
                .unwrap()
                .draft
                .clone();
            want.tags.sort();
            assert_eq!(got.draft, want, "{backend}");
            assert_eq!(
                (got.draft.preferences.clone(), got.draft.individual().unwrap().birthday),
                (hand.draft.preferences.clone(), hand.draft.individual().unwrap().birthday)
            );
            assert!(got.created_at >= hand.created_at && got.created_at == got.updated_at, "{backend}");
            let history = store.history(id).await.unwrap();
            let created = history.iter().find(|e| e.action == "import" && e.entity == "customer").unwrap();
            let after = created.after.clone().unwrap();
            let want_after: serde_json::Value = serde_json::from_str(&want.to_fields().to_json()).unwrap();
            assert_eq!(after, want_after, "{backend}");
            assert_eq!(after["notes"], "说 \"老样子\"\\n换行\t制表", "{backend}");
            assert_eq!(created.note.as_deref(), Some("twins.csv"));
        }
        // The pinyin kept for finding duplicates is written too: the three names read
        // zengxiaoxian and share a birthday.
        let pairs = store.duplicate_candidates(10).await.unwrap();
        assert_eq!(pairs.len(), 3, "{backend}: {pairs:?}");
    }
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    for (backend, store) in kit::stores().await {
        let id = store
            .create_customer(Actor::SYSTEM, &person(&[(Field::Name, "王五"), (Field::Phone, "13900000000")]))
            .await
            .unwrap();
        // Row 3 matches an individual but brings an organization's field: refused with its line.
        let rows = vec![
            row(2, &[(Field::Name, "新客户"), (Field::Phone, "13900000001")]),
            ImportRow {
                id: None,
                line: 3,
                draft: person(&[
                    (Field::Kind, "organization"),
                    (Field::Name, "王五"),
                    (Field::Phone, "13900000000"),
                    (Field::Industry, "零售"),
                ]),
                kind_given: false,
                status_given: false,
                force_new: false,
                prepared: None,
            },
        ];
        let err = store.import_customers(Actor::SYSTEM, "bad.csv", &rows).await.unwrap_err();
        assert!(err.message(Lang::ZhCn).starts_with("第 3 行"), "{backend}: {}", err.message(Lang::ZhCn));
        assert_eq!(store.count_customers().await.unwrap(), 1, "{backend}: nothing half-written");
        assert_eq!(store.customer(id).await.unwrap().version, 1);
        // A row naming a Guanxi id this database does not have (a file from another Guanxi)
        // is matched the usual way, here: created.
        let ghost = ImportRow {
            id: Some(999_999),
            line: 5,
            draft: person(&[(Field::Name, "幽灵")]),
            kind_given: false,
            status_given: false,
            force_new: false,
            prepared: None,
        };
        let o = store.import_customers(Actor::SYSTEM, "ghost.csv", &[ghost]).await.unwrap();
        assert_eq!(o.created, 1, "{backend}");
        // A row naming an existing id updates that customer even with nothing else to match.
        let by_id = ImportRow {
            id: Some(id),
            line: 2,
            draft: person(&[(Field::Name, "王五"), (Field::City, "成都")]),
            kind_given: false,
            status_given: false,
            force_new: false,
            prepared: None,
        };
        let o = store.import_customers(Actor::SYSTEM, "ids.csv", &[by_id]).await.unwrap();
        assert_eq!(o.updated, 1, "{backend}");
        assert_eq!(store.customer(id).await.unwrap().draft.city.as_deref(), Some("成都"));
        assert_eq!(store.count_customers().await.unwrap(), 2, "{backend}");
    }
}

#[tokio::test]
async fn duplicates_merge_and_unmerge() {
    for (backend, store) in kit::stores().await {
        let a = store
            .create_customer(
                Actor::SYSTEM,
                &person(&[
                    (Field::Name, "张三"),
                    (Field::Phone, "13800000001"),
                    (Field::City, "北京"),
                    (Field::Tags, "VIP"),
                ]),
            )
            .await
            .unwrap();
        let b = store
            .create_customer(
                Actor::SYSTEM,
                &person(&[
                    (Field::Name, "张叁"),
                    (Field::City, "北京"),
                    (Field::Email, "zs@qq.com"),
                    (Field::Tags, "老客户"),
                ]),
            )
            .await
            .unwrap();
        let c = store
            .create_customer(Actor::SYSTEM, &person(&[(Field::Name, "张三"), (Field::Phone, "13800000001")]))
            .await
            .unwrap();
        let unrelated = store
            .create_customer(Actor::SYSTEM, &person(&[(Field::Name, "张三"), (Field::City, "广州")]))
            .await
            .unwrap();

        let pairs = store.duplicate_candidates(100).await.unwrap();
        let find = |x: i64, y: i64| pairs.iter().find(|p| p.a.id == x && p.b.id == y).map(|p| p.reasons.clone());
        assert_eq!(find(a, c), Some(vec![guanxi_domain::dedupe::DuplicateReason::SamePhone]), "{backend}: {pairs:?}");
        assert_eq!(find(a, b), Some(vec![guanxi_domain::dedupe::DuplicateReason::PinyinEqualName]), "{backend}");
        assert_eq!(find(a, unrelated), None, "{backend}: same name, nothing shared");

        // b has history of its own that must follow it.
        let call = InteractionDraft::parse(
            &Raw::new().with(Field::Channel, "phone").with(Field::Summary, "问价格"),
            chrono::Utc::now(),
            8,
        )
        .unwrap();
        store.add_interaction(Actor::SYSTEM, b, &call).await.unwrap();
        let kp = KeyPersonDraft::parse(&Raw::new().with(Field::Name, "张太太"), today()).unwrap();
        store.add_key_person(Actor::SYSTEM, b, &kp).await.unwrap();

        let bought = order(&[(Field::Id, &b.to_string()), (Field::OrderedAt, "2026-01-05"), (Field::Amount, "30")]);
        store.import_orders(Actor::SYSTEM, "o.csv", &[(2, bought)], false).await.unwrap();
        let merge_id = store.merge(Actor::SYSTEM, a, b, &[]).await.unwrap();
        assert_eq!(store.orders_of(a).await.unwrap().len(), 1, "{backend}: orders follow the merge");
        assert_eq!(store.rollup(a).await.unwrap().unwrap().revenue_fen, 3_000, "{backend}");
        assert!(store.rollup(b).await.unwrap().is_none(), "{backend}");
        let kept = store.customer(a).await.unwrap();
        assert_eq!(kept.draft.name, "张三", "{backend}: kept values win");
        assert_eq!(kept.draft.email.as_ref().unwrap().as_str(), "zs@qq.com", "{backend}: empty fields filled");
        assert_eq!(kept.draft.tags, vec!["VIP", "老客户"]);
        assert_eq!(store.interactions(a).await.unwrap().len(), 1);
        assert_eq!(store.key_people(a).await.unwrap().len(), 1);
        let dropped = store.customer(b).await.unwrap();
        assert_eq!(dropped.merged_into_id, Some(a));
        assert!(store.search("zs@qq", 10).await.unwrap().iter().all(|h| h.id == a), "{backend}");
        // The kept customer's history includes the dropped one's.
        let history = store.history(a).await.unwrap();
        assert!(history.iter().any(|e| e.customer_id == Some(b) && e.entity == "interaction"), "{backend}");
        assert!(store.restore_customer(Actor::SYSTEM, b).await.is_err(), "{backend}: undo the merge, not restore");
        assert!(store.merge(Actor::SYSTEM, a, a, &[]).await.is_err());

        // Someone edits the kept customer after the merge; undo keeps that edit.
        store.update_customer(Actor::SYSTEM, a, &Raw::new().with(Field::Notes, "合并后补充"), None).await.unwrap();
        store.unmerge(Actor::SYSTEM, merge_id).await.unwrap();
        let a2 = store.customer(a).await.unwrap();
        assert_eq!(a2.draft.email, None, "{backend}: filled field put back");
        assert_eq!(a2.draft.tags, vec!["VIP"]);
        assert_eq!(a2.draft.notes.as_deref(), Some("合并后补充"), "{backend}: later edit kept");
        let b2 = store.customer(b).await.unwrap();
        assert!(b2.deleted_at.is_none() && b2.merged_into_id.is_none());
        assert_eq!(store.interactions(b).await.unwrap().len(), 1, "{backend}: history moved back");
        assert_eq!(store.key_people(b).await.unwrap().len(), 1);
        assert_eq!(store.orders_of(b).await.unwrap().len(), 1, "{backend}: orders moved back");
        assert_eq!(store.rollup(b).await.unwrap().unwrap().revenue_fen, 3_000, "{backend}");
        assert!(store.rollup(a).await.unwrap().is_none(), "{backend}");
        assert!(store.unmerge(Actor::SYSTEM, merge_id).await.is_err(), "{backend}: only once");

        store.dismiss_duplicate(Actor::SYSTEM, c, a).await.unwrap();
        let pairs = store.duplicate_candidates(100).await.unwrap();
        assert!(!pairs.iter().any(|p| p.a.id == a && p.b.id == c), "{backend}: dismissed pairs stay dismissed");
    }
}

#[tokio::test]
async fn users_are_validated_and_audited() {
    for (backend, store) in kit::stores().await {
        rep(&store, "li.ming").await;
        let dup = store
            .add_user(
                Actor::SYSTEM,
                &NewUser { username: "LI.MING".into(), display_name: "x".into(), role: Role::Manager, team: None },
            )
            .await;
        assert!(matches!(dup, Err(StoreError::Invalid(_))), "{backend}: usernames are case-insensitive");
        let bad = store
            .add_user(
                Actor::SYSTEM,
                &NewUser { username: "有 空格".into(), display_name: "x".into(), role: Role::Manager, team: None },
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))), "{backend}");
        let off = store.set_user_active(Actor::SYSTEM, "li.ming", false).await.unwrap();
        assert!(!off.active);
        // A disabled user cannot own customers.
        let d = person(&[(Field::Name, "客户"), (Field::Owner, "li.ming")]);
        assert!(store.create_customer(Actor::SYSTEM, &d).await.is_err(), "{backend}");
        assert!(store.set_user_active(Actor::SYSTEM, "system", false).await.is_err());
        assert_eq!(store.users().await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn export_batches_walk_everything_once() {
    for (backend, store) in kit::stores().await {
        for i in 0..25 {
            let name = format!("客户{i}");
            store
                .create_customer(Actor::SYSTEM, &person(&[(Field::Name, name.as_str()), (Field::Tags, "批量")]))
                .await
                .unwrap();
        }
        let mut after = 0;
        let mut seen = 0;
        loop {
            let batch = store.export_batch(after, 10).await.unwrap();
            if batch.is_empty() {
                break;
            }
            assert!(batch.iter().all(|c| c.draft.tags == vec!["批量"]), "{backend}");
            seen += batch.len();
            after = batch.last().unwrap().id;
        }
        assert_eq!(seen, 25, "{backend}");
        store.record_export(Actor::SYSTEM, "customers.csv", 25).await.unwrap();
        assert_eq!(store.audit_log(1).await.unwrap()[0].action, "export");
    }
}

fn order(fields: &[(Field, &str)]) -> guanxi_domain::orders::OrderDraft {
    let mut raw = Raw::new();
    for (f, v) in fields {
        raw.set(*f, *v);
    }
    guanxi_domain::orders::OrderDraft::parse(&raw, chrono::Utc::now()).expect("valid order")
}

#[tokio::test]
async fn orders_keep_rollups_current() {
    for (backend, store) in kit::stores().await {
        let a = store
            .create_customer(Actor::SYSTEM, &person(&[(Field::Name, "张三"), (Field::ExternalId, "C-1")]))
            .await
            .unwrap();
        let b = store
            .create_customer(Actor::SYSTEM, &person(&[(Field::Name, "李四"), (Field::Phone, "13900139000")]))
            .await
            .unwrap();
        let rows = vec![
            (
                2,
                order(&[
                    (Field::Id, &a.to_string()),
                    (Field::OrderedAt, "2026-01-05 10:00"),
                    (Field::Amount, "100"),
                    (Field::Cost, "60"),
                    (Field::OrderNo, "SO-1"),
                ]),
            ),
            // Same China day (23:30 and 00:10 UTC+8 are different days; these two are the same).
            (
                3,
                order(&[
                    (Field::ExternalId, "C-1"),
                    (Field::OrderedAt, "2026-01-05 21:00"),
                    (Field::Amount, "50"),
                    (Field::OrderNo, "SO-2"),
                ]),
            ),
            (
                4,
                order(&[
                    (Field::ExternalId, "C-1"),
                    (Field::OrderedAt, "2026-01-15 09:00"),
                    (Field::Amount, "-20"),
                    (Field::OrderNo, "SO-3"),
                ]),
            ),
            (5, order(&[(Field::Phone, "13900139000"), (Field::OrderedAt, "2026-02-01"), (Field::Amount, "8.8")])),
            (6, order(&[(Field::ExternalId, "nobody"), (Field::OrderedAt, "2026-02-01"), (Field::Amount, "1")])),
        ];
        // All or nothing: the unknown customer stops the import.
        let (outcome, refused) = store.import_orders(Actor::SYSTEM, "orders.csv", &rows, false).await.unwrap();
        assert_eq!(outcome, OrderOutcome::default(), "{backend}");
        assert_eq!(refused.len(), 1, "{backend}");
        assert_eq!(refused[0].0, 6);
        assert_eq!(refused[0].1.0[0].field, Field::ExternalId);
        assert!(store.orders_of(a).await.unwrap().is_empty(), "{backend}: nothing written");
        let (outcome, refused) = store.import_orders(Actor::SYSTEM, "orders.csv", &rows, true).await.unwrap();
        assert_eq!((outcome.created, refused.len()), (4, 1), "{backend}");
        let r = store.rollup(a).await.unwrap().unwrap();
        assert_eq!((r.orders, r.purchase_days, r.revenue_fen, r.margin_fen), (3, 2, 13_000, 4_000), "{backend}");
        assert_eq!(r.rhythm_days, Some(10.0), "{backend}");
        let r = store.rollup(b).await.unwrap().unwrap();
        assert_eq!((r.orders, r.revenue_fen, r.rhythm_days, r.costed_orders), (1, 880, None, 0), "{backend}");
        // Re-importing updates by order number and leaves the rest.
        let again = vec![
            (
                2,
                order(&[
                    (Field::Id, &a.to_string()),
                    (Field::OrderedAt, "2026-01-05 10:00"),
                    (Field::Amount, "100"),
                    (Field::Cost, "60"),
                    (Field::OrderNo, "SO-1"),
                ]),
            ),
            (
                3,
                order(&[
                    (Field::ExternalId, "C-1"),
                    (Field::OrderedAt, "2026-01-05 21:00"),
                    (Field::Amount, "70"),
                    (Field::OrderNo, "SO-2"),
                ]),
            ),
        ];
        let (outcome, _) = store.import_orders(Actor::SYSTEM, "again.csv", &again, false).await.unwrap();
        assert_eq!((outcome.created, outcome.updated, outcome.unchanged), (0, 1, 1), "{backend}");
        assert_eq!(store.rollup(a).await.unwrap().unwrap().revenue_fen, 15_000, "{backend}");
        // Purchase days for the models: one per China day, with the day's total; a number
        // repeated within a file is refused by line (issue #22: it moved and repriced orders).
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let period = Period { as_of: d("2026-03-01"), window_days: 365, annual_rate: 0.0, holdout_until: None };
        let h = store.histories(&period).await.unwrap();
        let of_a = h.iter().find(|h| h.customer_id == a).unwrap();
        assert_eq!((of_a.first, of_a.last, of_a.days), (d("2026-01-05"), d("2026-01-15"), 2), "{backend}");
        assert_eq!((of_a.revenue_fen, of_a.first_day_fen, of_a.gap_squares), (15_000, 17_000, 100), "{backend}");
        let twice = vec![
            (
                2,
                order(&[
                    (Field::Id, &b.to_string()),
                    (Field::OrderedAt, "2026-02-03"),
                    (Field::Amount, "1"),
                    (Field::OrderNo, "SO-9"),
                ]),
            ),
            (
                3,
                order(&[
                    (Field::Id, &b.to_string()),
                    (Field::OrderedAt, "2026-02-03"),
                    (Field::Amount, "2"),
                    (Field::OrderNo, "SO-9"),
                ]),
            ),
        ];
        let (outcome, refused) = store.import_orders(Actor::SYSTEM, "twice.csv", &twice, false).await.unwrap();
        assert_eq!((outcome.created, refused.len()), (0, 1), "{backend}: without --partial, nothing");
        assert!(refused[0].1.message(guanxi_domain::Lang::ZhCn).contains("与第 2 行重复"), "{backend}");
        let (outcome, refused) = store.import_orders(Actor::SYSTEM, "twice.csv", &twice, true).await.unwrap();
        assert_eq!((outcome.created, refused.len(), refused[0].0), (1, 1, 3), "{backend}");
        assert_eq!(store.rollup(b).await.unwrap().unwrap().revenue_fen, 980, "{backend}: the first row's 1 yuan");
        let log = store.audit_log(5).await.unwrap();
        assert!(
            log.iter().any(|e| e.entity == "orders" && e.note.as_deref().unwrap_or("").contains("1 refused")),
            "{backend}"
        );
    }
}

/// The store's one aggregate query gives every customer the same history the domain's
/// `summarize` computes from the same orders by hand: costs, refunds, several orders a day,
/// windows, compounding and a holdout.
/// Batches as a large file's import gives them, with a switch for "a bad row was found". On
/// SQLite every batch is committed as it is written (a window of zero), so that what a stopped
/// import takes back is really in the database first.
struct Batches {
    batches: std::collections::VecDeque<Vec<(usize, guanxi_domain::orders::OrderDraft)>>,
    bad_after: Option<usize>,
    given: usize,
}

impl guanxi_store::OrderBatches for Batches {
    fn next_batch(&mut self) -> Option<Vec<(usize, guanxi_domain::orders::OrderDraft)>> {
        self.given += 1;
        self.batches.pop_front()
    }

    fn may_commit(&self) -> bool {
        self.bad_after.is_none_or(|n| self.given < n)
    }

    fn window(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

#[tokio::test]
async fn orders_import_a_batch_at_a_time() {
    for (backend, store) in kit::stores().await {
        let a = store.create_customer(Actor::SYSTEM, &person(&[(Field::Name, "张三")])).await.unwrap();
        let id = a.to_string();
        let o = |no: &str, day: &str, yuan: &str| {
            order(&[(Field::Id, &id), (Field::OrderNo, no), (Field::OrderedAt, day), (Field::Amount, yuan)])
        };
        store.import_orders(Actor::SYSTEM, "old.csv", &[(2, o("SO-0", "2026-01-01", "5"))], false).await.unwrap();
        let batches = || {
            vec![
                vec![(2, o("SO-1", "2026-01-02", "10")), (3, o("SO-0", "2026-01-01", "6"))],
                vec![(4, o("SO-2", "2026-01-04", "1"))],
                vec![(5, o("SO-3", "2026-01-05", "2"))],
            ]
        };
        // A source that stops (a bad row without --partial) writes nothing and is not asked again.
        let mut stopped = Batches { batches: batches().into(), bad_after: Some(2), given: 0 };
        let (outcome, refused) = store.import_order_batches(Actor::SYSTEM, "f.csv", &mut stopped, false).await.unwrap();
        assert_eq!((outcome, refused.len(), stopped.given), (Default::default(), 0, 2), "{backend}");
        let left = store.orders_of(a).await.unwrap();
        assert_eq!(left.len(), 1, "{backend}: nothing written");
        assert_eq!(left[0].amount_fen, 500, "{backend}: the order the first batch changed is put back");
        let r = store.rollup(a).await.unwrap().unwrap();
        assert_eq!((r.orders, r.revenue_fen), (1, 500), "{backend}: the rollup follows");
        let log = store.audit_log(50).await.unwrap();
        let record = log.iter().find(|e| e.entity == "orders" && e.note.as_deref() == Some("f.csv"));
        if backend == "sqlite" {
            let after = record.and_then(|e| e.after.clone()).expect("the import's record");
            assert_eq!((after["undone"].clone(), after["removed"].clone()), (true.into(), 2.into()), "{after}");
        } else {
            assert!(record.is_none(), "{backend}: one transaction, rolled back with its record");
        }

        let mut all = Batches { batches: batches().into(), bad_after: None, given: 0 };
        let (outcome, refused) = store.import_order_batches(Actor::SYSTEM, "f.csv", &mut all, false).await.unwrap();
        assert!(refused.is_empty(), "{backend}");
        assert_eq!((outcome.created, outcome.updated, outcome.unchanged), (3, 1, 0), "{backend}");
        let orders = store.orders_of(a).await.unwrap();
        let mut amounts: Vec<(Option<String>, i64)> =
            orders.iter().map(|o| (o.order_no.clone(), o.amount_fen)).collect();
        amounts.sort();
        let want = [("SO-0", 600), ("SO-1", 1000), ("SO-2", 100), ("SO-3", 200)].map(|(n, f)| (Some(n.to_string()), f));
        assert_eq!(amounts, want, "{backend}");
        let r = store.rollup(a).await.unwrap().unwrap();
        assert_eq!((r.orders, r.revenue_fen, r.purchase_days), (4, 1_900, 4), "{backend}");

        // A number repeated in the file, in one batch or a later one: refused by line, naming the
        // first; the first row is written.
        let mut repeats = Batches {
            batches: vec![
                vec![(2, o("SO-5", "2026-02-01", "5")), (3, o("SO-5", "2026-02-02", "6"))],
                vec![(4, o("SO-5", "2026-02-03", "7"))],
            ]
            .into(),
            bad_after: None,
            given: 0,
        };
        let (outcome, refused) = store.import_order_batches(Actor::SYSTEM, "r.csv", &mut repeats, true).await.unwrap();
        assert_eq!(outcome.created, 1, "{backend}");
        let lines: Vec<usize> = refused.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 4], "{backend}");
        assert!(
            refused.iter().all(|(_, v)| v.message(guanxi_domain::Lang::En).contains("repeats line 2")),
            "{backend}"
        );

        // An unknown customer in a late batch: nothing from the earlier ones stays, and every
        // unknown customer is reported.
        let nobody = |line: usize| {
            (line, order(&[(Field::Id, "999999"), (Field::OrderedAt, "2026-02-01"), (Field::Amount, "1")]))
        };
        let mut late = Batches {
            batches: vec![
                vec![(2, o("SO-9", "2026-02-01", "9"))],
                vec![nobody(3)],
                vec![nobody(4), (5, o("SO-8", "2026-02-01", "8"))],
            ]
            .into(),
            bad_after: None,
            given: 0,
        };
        let (outcome, refused) = store.import_order_batches(Actor::SYSTEM, "f.csv", &mut late, false).await.unwrap();
        assert_eq!(outcome, Default::default(), "{backend}");
        assert_eq!(refused.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 4], "{backend}");
        assert_eq!(store.orders_of(a).await.unwrap().len(), 5, "{backend}: nothing written");
    }
}

// On a runtime of two threads, as the server and the CLI run: SQLite's fast read steps its two
// halves on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn histories_match_the_domain_summaries() {
    use guanxi_domain::value::{Day, Purchases, summarize};
    for (backend, store) in kit::stores().await {
        let mut purchases = Vec::new();
        let mut rows = Vec::new();
        let start = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        for i in 0..40i64 {
            let org = i % 4 == 0;
            let draft = if org {
                let mut raw = Raw::new();
                raw.set(Field::Kind, "organization");
                raw.set(Field::Name, format!("公司{i}"));
                CustomerDraft::parse(&raw, today()).unwrap()
            } else {
                person(&[(Field::Name, &format!("客户{i}"))])
            };
            let id = store.create_customer(Actor::SYSTEM, &draft).await.unwrap();
            let mut days: Vec<Day> = Vec::new();
            for k in 0..(i % 7) {
                let day = start + chrono::Duration::days(i * 3 + k * k * 37 % 700);
                // Two orders on some days, the second one late in the evening China time.
                for (n, hour) in [(0, "09:30"), (1, "23:10")].into_iter().take(1 + (k % 2) as usize) {
                    let amount = (i * 1_000 + k * 77 + n * 5) - if k == 3 { 20_000 } else { 0 };
                    let cost = (k % 3 == 0 && amount >= 0).then_some(amount / 3);
                    let mut fields = vec![
                        (Field::Id, id.to_string()),
                        (Field::OrderedAt, format!("{day} {hour}")),
                        (Field::Amount, format!("{}.{:02}", amount / 100, (amount % 100).abs())),
                    ];
                    if amount < 0 {
                        fields[2].1 = format!("-{}.{:02}", amount.abs() / 100, amount.abs() % 100);
                    }
                    if let Some(c) = cost {
                        fields.push((Field::Cost, format!("{}.{:02}", c / 100, (c % 100).abs())));
                        if c < 0 {
                            fields.last_mut().unwrap().1 = format!("-{}.{:02}", c.abs() / 100, c.abs() % 100);
                        }
                    }
                    let f: Vec<(Field, &str)> = fields.iter().map(|(f, v)| (*f, v.as_str())).collect();
                    rows.push((rows.len() + 2, order(&f)));
                    match days.iter_mut().find(|d| d.day == day) {
                        Some(d) => {
                            d.amount_fen += amount;
                            d.costed_fen += if cost.is_some() { amount } else { 0 };
                            d.margin_fen += cost.map_or(0, |c| amount - c);
                        }
                        None => days.push(Day {
                            day,
                            amount_fen: amount,
                            costed_fen: if cost.is_some() { amount } else { 0 },
                            margin_fen: cost.map_or(0, |c| amount - c),
                        }),
                    }
                }
            }
            days.sort_by_key(|d| d.day);
            let kind =
                if org { guanxi_domain::CustomerKind::Organization } else { guanxi_domain::CustomerKind::Individual };
            purchases.push(Purchases { customer_id: id, kind, days });
        }
        let (_, refused) = store.import_orders(Actor::SYSTEM, "orders.csv", &rows, false).await.unwrap();
        assert!(refused.is_empty(), "{backend}: {refused:?}");
        for (as_of, holdout) in [("2025-01-31", Some("2025-06-30")), ("2026-06-30", None)] {
            let period = Period {
                as_of: chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap(),
                window_days: 200,
                annual_rate: 0.12,
                holdout_until: holdout.map(|h| chrono::NaiveDate::parse_from_str(h, "%Y-%m-%d").unwrap()),
            };
            let expect = summarize(&purchases, &period);
            let got = store.histories(&period).await.unwrap();
            assert_eq!(got.len(), expect.len(), "{backend} {as_of}");
            // After the last purchase and at the summaries' rate, one summary a customer answers.
            let fast = store.histories_from_summaries(&period).await.unwrap();
            if holdout.is_none() {
                assert!(fast.is_none(), "{backend}: the summaries are at the settings' 10%, not 12%");
                let buyers = purchases.iter().filter(|p| !p.days.is_empty()).count();
                assert_eq!(store.ensure_summaries(0.12).await.unwrap(), buyers, "{backend}");
                assert_eq!(store.ensure_summaries(0.12).await.unwrap(), 0, "{backend}: all current");
            } else {
                assert!(fast.is_none(), "{backend}: a holdout needs the days");
            }
            let fast = store.histories_from_summaries(&period).await.unwrap();
            let got = match (holdout, fast) {
                (None, Some(fast)) => {
                    assert_eq!(fast.len(), got.len(), "{backend}");
                    vec![got, fast]
                }
                (None, None) => panic!("{backend}: the summaries should answer as of {as_of}"),
                (Some(_), _) => vec![got],
            };
            for got in got {
                for (g, e) in got.iter().zip(&expect) {
                    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + b.abs());
                    assert!(
                        close(g.compounded_margin_fen, e.compounded_margin_fen),
                        "{backend} {as_of}: {g:?} vs {e:?}"
                    );
                    assert!(close(g.compounded_uncosted_fen, e.compounded_uncosted_fen), "{backend} {as_of}: {g:?}");
                    let exact = |h: &guanxi_domain::value::History| {
                        let mut h = h.clone();
                        h.compounded_margin_fen = 0.0;
                        h.compounded_uncosted_fen = 0.0;
                        h
                    };
                    assert_eq!(exact(g), exact(e), "{backend} {as_of}");
                }
            }
        }
        // Deleted customers are not assessed: the fast read passes over their window's sums.
        let gone: Vec<i64> = purchases.iter().filter(|p| p.days.len() >= 3).map(|p| p.customer_id).step_by(2).collect();
        assert!(gone.len() >= 3, "{backend}");
        for id in &gone {
            store.delete_customer(Actor::SYSTEM, *id).await.unwrap();
        }
        purchases.retain(|p| !gone.contains(&p.customer_id));
        // The last two customers: one deleted with a purchase in the window, then one with none
        // there, who must not be given the other's.
        let mut last_two = Vec::new();
        for (name, day) in [("窗内", "2025-01-01"), ("窗外", "2023-01-05")] {
            let id = store.create_customer(Actor::SYSTEM, &person(&[(Field::Name, name)])).await.unwrap();
            let o = order(&[(Field::Id, &id.to_string()), (Field::OrderedAt, day), (Field::Amount, "88.00")]);
            let (_, refused) = store.import_orders(Actor::SYSTEM, "late.csv", &[(2, o)], false).await.unwrap();
            assert!(refused.is_empty(), "{backend}: {refused:?}");
            let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
            last_two.push(Purchases {
                customer_id: id,
                kind: guanxi_domain::CustomerKind::Individual,
                days: vec![Day::revenue(date, 8_800)],
            });
        }
        store.delete_customer(Actor::SYSTEM, last_two[0].customer_id).await.unwrap();
        purchases.push(last_two.remove(1));
        assert_eq!(store.ensure_summaries(0.12).await.unwrap(), 2, "{backend}: the new ones at 10%");
        let period = Period {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            window_days: 800,
            annual_rate: 0.12,
            holdout_until: None,
        };
        let expect = summarize(&purchases, &period);
        let fast = store.histories_from_summaries(&period).await.unwrap().expect("current summaries");
        let key = |h: &guanxi_domain::value::History| {
            (h.customer_id, h.kind, h.days, h.revenue_fen, h.window_revenue_fen, h.window_margin_fen, h.window_days)
        };
        assert_eq!(fast.iter().map(key).collect::<Vec<_>>(), expect.iter().map(key).collect::<Vec<_>>(), "{backend}");
        assert!(expect.iter().any(|h| h.window_days > 0), "{backend}: the window has purchases");
    }
}

/// The job queue: a job runs once it is due and records its result; asking again while one of
/// its kind waits queues nothing (F-18); the nightly recompute is queued once per night, at the
/// next 02:00 China time, however often it is scheduled (problem 7 of the reliability review).
#[tokio::test]
async fn jobs_run_when_due_and_the_nightly_one_reschedules() {
    use chrono::{Duration, Utc};
    for (backend, store) in kit::stores().await {
        let (later, new) =
            store.enqueue_job(Actor::SYSTEM, JobKind::RecomputeValues, Utc::now() + Duration::hours(1)).await.unwrap();
        assert!(new, "{backend}");
        assert_eq!(store.run_due_jobs("w1").await.unwrap(), 0, "{backend}: not due yet");
        // Asked for now while one waits: the same job, moved to now.
        let (now, new) = store.enqueue_job(Actor::SYSTEM, JobKind::RecomputeValues, Utc::now()).await.unwrap();
        assert_eq!((now, new), (later, false), "{backend}");
        // No customers bought anything: the job still succeeds, with nothing assessed.
        assert_eq!(store.run_due_jobs("w1").await.unwrap(), 1, "{backend}");
        let jobs = store.jobs(None, 10).await.unwrap();
        let done = jobs.iter().find(|j| j.id == now).unwrap();
        assert_eq!((done.state, done.attempts), (JobState::Done, 1), "{backend}");
        assert_eq!(done.result.as_ref().unwrap()["customers"], 0, "{backend}");
        // Once it is done, the next request queues a new one.
        let (again, new) = store.enqueue_job(Actor::SYSTEM, JobKind::RecomputeValues, Utc::now()).await.unwrap();
        assert!(new && again != now, "{backend}");
        store.run_due_jobs("w1").await.unwrap();

        // The nightly job is scheduled once, at the next 02:00 China time.
        let first = store.schedule_nightly().await.unwrap();
        assert!(first.is_some(), "{backend}");
        assert_eq!(store.schedule_nightly().await.unwrap(), None, "{backend}: already scheduled");
        let nightly = store.jobs(Some(JobKind::NightlyValues), 5).await.unwrap();
        assert_eq!(nightly.len(), 1);
        let local = guanxi_domain::china::local(nightly[0].run_at);
        assert_eq!((local.format("%H:%M").to_string(), nightly[0].run_at > Utc::now()), ("02:00".into(), true));
        // The night's run, taken and left (its worker killed after queuing the next night),
        // then taken again once its lease ran out: the next night is still queued once.
        let night = nightly[0].run_at;
        let taken = store.claim_job("killed", night + Duration::seconds(1)).await.unwrap().unwrap();
        assert_eq!(taken.id, nightly[0].id, "{backend}");
        store.schedule_nightly_at(night + Duration::minutes(1)).await.unwrap();
        assert!(store.claim_job("other", night + Duration::seconds(30)).await.unwrap().is_none(), "{backend}: leased");
        let retaken = store.claim_job("other", night + Duration::seconds(62)).await.unwrap().unwrap();
        assert_eq!((retaken.id, retaken.attempts), (taken.id, 2), "{backend}: retaken within a minute or two");
        assert!(!store.renew_job(taken.id, "killed", night + Duration::seconds(63)).await.unwrap(), "{backend}");
        store.schedule_nightly_at(night + Duration::minutes(1)).await.unwrap();
        store.finish_job(taken.id, "killed", &serde_json::json!({})).await.unwrap();
        assert_eq!(
            store.jobs(None, 20).await.unwrap().iter().find(|j| j.id == taken.id).unwrap().state,
            JobState::Running,
            "{backend}: a worker that lost its lease cannot finish the job"
        );
        store.finish_job(taken.id, "other", &serde_json::json!({})).await.unwrap();
        let queued: Vec<_> = store
            .jobs(Some(JobKind::NightlyValues), 10)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.state == JobState::Queued)
            .collect();
        assert_eq!(queued.len(), 1, "{backend}: one run for the next night");
        assert_eq!(queued[0].run_at, night + Duration::days(1), "{backend}");

        // next_china_time: 01:00 China → 02:00 the same day; 03:00 → 02:00 the next day.
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(next_china_time(at("2026-03-01T17:00:00Z"), 2), at("2026-03-01T18:00:00Z"));
        assert_eq!(next_china_time(at("2026-03-01T19:00:00Z"), 2), at("2026-03-02T18:00:00Z"));
    }
}

/// Saved values read back exactly: every column, present and missing (SQLite writes them in
/// bulk on its own path).
#[tokio::test]
async fn saved_values_read_back_exactly() {
    use guanxi_domain::value::nonmonetary::NonMonetary;
    use guanxi_domain::value::{AbcClass, CustomerValue, RfmScore, RfmSegment};
    for (backend, store) in kit::stores().await {
        let a = store.create_customer(Actor::SYSTEM, &person(&[(Field::Name, "甲")])).await.unwrap();
        let b = store.create_customer(Actor::SYSTEM, &person(&[(Field::Name, "乙")])).await.unwrap();
        let full = CustomerValue {
            customer_id: a,
            tier: ValueTier::Key,
            abc: Some(AbcClass::A),
            revenue_window_fen: 1_234_567,
            rfm: Some(RfmScore { r: 5, f: 4, m: 3 }),
            segment: Some(RfmSegment::Champions),
            p_alive: Some(0.123_456_789_012_345),
            expected_purchases: Some(3.25),
            expected_spend_fen: Some(-50),
            clv_history_fen: 9_876_543_210,
            clv_projected_fen: Some(42),
            non_monetary: NonMonetary { loyalty: Some(0.75), stability: Some(1.0 / 3.0), ..Default::default() },
            key_score: 88.5,
        };
        let empty = CustomerValue {
            customer_id: b,
            tier: ValueTier::Small,
            abc: None,
            revenue_window_fen: 0,
            rfm: None,
            segment: None,
            p_alive: None,
            expected_purchases: None,
            expected_spend_fen: None,
            clv_history_fen: 0,
            clv_projected_fen: None,
            non_monetary: NonMonetary::default(),
            key_score: 0.0,
        };
        let values = vec![full, empty];
        let as_of = today();
        store.save_assessment(Actor::SYSTEM, as_of, "week", &serde_json::json!({}), &values).await.unwrap();
        for v in &values {
            assert_eq!(store.customer_value(v.customer_id).await.unwrap().as_ref(), Some(v), "{backend}");
        }
        // A second run replaces the first.
        store.save_assessment(Actor::SYSTEM, as_of, "week", &serde_json::json!({}), &values[1..]).await.unwrap();
        assert_eq!(store.customer_value(a).await.unwrap(), None, "{backend}");
    }
}

/// Value settings start at the defaults, are saved with an audit entry, and drive the
/// assessment (here: a 小客户 threshold).
#[tokio::test]
async fn value_settings_are_saved_audited_and_used() {
    use guanxi_domain::value::ValueSettings;
    for (backend, store) in kit::stores().await {
        assert_eq!(store.value_settings().await.unwrap(), ValueSettings::default(), "{backend}");
        let a = store.create_customer(Actor::SYSTEM, &person(&[(Field::Name, "张三")])).await.unwrap();
        let yesterday = (today() - chrono::Duration::days(1)).to_string();
        let o = order(&[(Field::Id, &a.to_string()), (Field::OrderedAt, &yesterday), (Field::Amount, "80")]);
        store.import_orders(Actor::SYSTEM, "o.csv", &[(2, o)], false).await.unwrap();
        store.assess_today(Actor::SYSTEM).await.unwrap();
        assert_eq!(store.customer_value(a).await.unwrap().unwrap().tier, ValueTier::Key, "{backend}");
        let s = ValueSettings { small_below_fen: 10_000, window_days: 90, ..Default::default() };
        store.save_value_settings(Actor::SYSTEM, &s).await.unwrap();
        assert_eq!(store.value_settings().await.unwrap(), s, "{backend}");
        let log = store.audit_log(3).await.unwrap();
        assert!(log.iter().any(|e| e.entity == "settings" && e.note.as_deref() == Some("value")), "{backend}");
        let (run, n) = store.assess_today(Actor::SYSTEM).await.unwrap();
        assert!(run.is_some() && n == 1, "{backend}");
        assert_eq!(store.customer_value(a).await.unwrap().unwrap().tier, ValueTier::Small, "{backend}: under 100 yuan");
        let report = store.latest_value_run().await.unwrap().unwrap().report;
        assert_eq!(report["window_days"], 90, "{backend}");
    }
}
