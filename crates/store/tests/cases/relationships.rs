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
