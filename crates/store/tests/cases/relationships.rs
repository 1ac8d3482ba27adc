//! Relationship stages, on every backend.

use crate::kit;
use guanxi_domain::relationship::{RelationshipStage, StageMove};
use guanxi_domain::*;
use guanxi_store::*;

#[tokio::test]
async fn a_relationship_moves_along_the_two_paths_with_its_history() {
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let c = store
            .create_customer(
                Actor::SYSTEM,
                &CustomerDraft::parse(&Raw::new().with(Field::Name, "郑十"), today).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(store.relationship(c).await.unwrap(), (RelationshipStage::Outsider, vec![]), "{backend}");
        let m = |to, why: &str| StageMove { to, why: why.into() };
        // Straight to partner is refused, nothing changes.
        match store.set_relationship(Actor::SYSTEM, c, &m(RelationshipStage::Partner, "大单")).await {
            Err(StoreError::Invalid(v)) => assert_eq!(v.0[0].problem, Problem::SkipsAStage, "{backend}"),
            other => panic!("{backend}: {other:?}"),
        }
        store.set_relationship(Actor::SYSTEM, c, &m(RelationshipStage::Supplier, "中标年度采购")).await.unwrap();
        store.set_relationship(Actor::SYSTEM, c, &m(RelationshipStage::Partner, "总经理成了朋友")).await.unwrap();
        match store.set_relationship(Actor::SYSTEM, c, &m(RelationshipStage::Partner, "again")).await {
            Err(StoreError::Invalid(v)) => assert_eq!(v.0[0].problem, Problem::Unchanged, "{backend}"),
            other => panic!("{backend}: {other:?}"),
        }
        let (now, history) = store.relationship(c).await.unwrap();
        assert_eq!(now, RelationshipStage::Partner, "{backend}");
        let path: Vec<(RelationshipStage, RelationshipStage, &str)> =
            history.iter().map(|h| (h.from, h.to, h.why.as_str())).collect();
        assert_eq!(
            path,
            [
                (RelationshipStage::Outsider, RelationshipStage::Supplier, "中标年度采购"),
                (RelationshipStage::Supplier, RelationshipStage::Partner, "总经理成了朋友"),
            ],
            "{backend}"
        );
        assert_eq!(history[0].changed_by, "system", "{backend}");
        assert!(store.history(c).await.unwrap().iter().any(|e| e.entity == "relationship"), "{backend}");
    }
}

#[tokio::test]
async fn the_level_is_proposed_from_contacts_and_confirmed_by_a_person() {
    use guanxi_domain::relationship::RelationshipLevel;
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let c = store
            .create_customer(
                Actor::SYSTEM,
                &CustomerDraft::parse(&Raw::new().with(Field::Name, "冯一"), today).unwrap(),
            )
            .await
            .unwrap();
        let now = chrono::Utc::now();
        let contacts = async || store.standing(c).await.unwrap().inputs.contacts;
        assert_eq!(contacts().await.proposed(), RelationshipLevel::Brand, "{backend}");
        let log = |channel: &str, days_ago: i64| {
            let at = (now - chrono::Duration::days(days_ago)).to_rfc3339();
            InteractionDraft::parse(
                &Raw::new().with(Field::Channel, channel).with(Field::Summary, "联系").with(Field::OccurredAt, at),
                now,
                8,
            )
            .unwrap()
        };
        store.add_interaction(Actor::SYSTEM, c, &log("phone", 10)).await.unwrap();
        store.add_interaction(Actor::SYSTEM, c, &log("phone", 20)).await.unwrap();
        store.add_interaction(Actor::SYSTEM, c, &log("face_to_face", 500)).await.unwrap();
        let seen = contacts().await;
        assert_eq!((seen.remote.0, seen.face_to_face), (2, (0, None)), "{backend}: the old meeting is out of the year");
        assert_eq!(seen.proposed(), RelationshipLevel::Distant, "{backend}");
        store.add_interaction(Actor::SYSTEM, c, &log("face_to_face", 30)).await.unwrap();
        let seen = contacts().await;
        assert_eq!((seen.face_to_face, seen.proposed()), ((1, Some(30)), RelationshipLevel::FaceToFace), "{backend}");

        assert_eq!(store.relationship_level(c).await.unwrap(), (None, vec![]), "{backend}");
        store.confirm_level(Actor::SYSTEM, c, RelationshipLevel::Intimate, "老朋友，家里人都熟").await.unwrap();
        let (level, history) = store.relationship_level(c).await.unwrap();
        assert_eq!((level, history.len(), history[0].from), (Some(RelationshipLevel::Intimate), 1, None), "{backend}");
        // The stage history is its own.
        assert!(store.relationship(c).await.unwrap().1.is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn competitors_and_who_engages_with_them() {
    use guanxi_domain::competitors::{CompetitorDraft, EngagementDraft, EngagementKind};
    for (backend, store) in kit::stores().await {
        let today = today_in_china();
        let c = store
            .create_customer(
                Actor::SYSTEM,
                &CustomerDraft::parse(&Raw::new().with(Field::Name, "褚二"), today).unwrap(),
            )
            .await
            .unwrap();
        let d =
            CompetitorDraft::parse(&Raw::new().with(Field::Name, "鼎新科技").with(Field::Situation, "价格战")).unwrap();
        let id = store.create_competitor(Actor::SYSTEM, &d).await.unwrap();
        // One record a name.
        match store.create_competitor(Actor::SYSTEM, &d).await {
            Err(StoreError::Invalid(v)) => assert_eq!(v.0[0].problem, Problem::Taken, "{backend}"),
            other => panic!("{backend}: {other:?}"),
        }
        let mut better = d.clone();
        better.levels[4] = Some("三年内拿下华东".into());
        store.update_competitor(Actor::SYSTEM, id, &better).await.unwrap();
        assert_eq!(store.competitor(id).await.unwrap().draft.understood(), 2, "{backend}");

        let e = EngagementDraft { competitor_id: id, kind: EngagementKind::Trial, since: today, note: None };
        let eid = store.add_engagement(Actor::SYSTEM, c, &e).await.unwrap();
        let unknown = EngagementDraft { competitor_id: 999_999, ..e.clone() };
        match store.add_engagement(Actor::SYSTEM, c, &unknown).await {
            Err(StoreError::Invalid(v)) => assert_eq!(v.0[0].field, Field::Competitor, "{backend}"),
            other => panic!("{backend}: {other:?}"),
        }
        assert_eq!(store.competitors().await.unwrap()[0].engaged_customers, 1, "{backend}");
        let list = store.engagements_of(c).await.unwrap();
        assert_eq!(
            (list[0].competitor.as_str(), list[0].kind, list[0].until),
            ("鼎新科技", EngagementKind::Trial, None)
        );
        assert_eq!(store.end_engagement(Actor::SYSTEM, eid, today).await.unwrap(), c, "{backend}");
        assert!(matches!(store.end_engagement(Actor::SYSTEM, eid, today).await, Err(StoreError::Conflict { .. })));
        assert_eq!(store.competitors().await.unwrap()[0].engaged_customers, 0, "{backend}");
        assert_eq!(store.engagements_with(id).await.unwrap()[0].until, Some(today), "{backend}");
    }
}
