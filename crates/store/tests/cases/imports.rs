//! A long customer import does not hold up every other writer, and stays all-or-nothing
//! (problem 4 of the reliability review). On SQLite an import commits as it goes; rolled back,
//! failed or abandoned by a killed process, what it wrote is taken back. On PostgreSQL it is
//! one transaction, and the same cases hold.

use crate::kit;
use guanxi_domain::{CustomerDraft, Field, ImportRow, InteractionDraft, Raw};
use guanxi_store::{Actor, CustomerFilter, Store};
use std::time::Duration;

fn draft(fields: &[(Field, &str)]) -> CustomerDraft {
    let mut raw = Raw::new();
    for (f, v) in fields {
        raw.set(*f, *v);
    }
    CustomerDraft::parse(&raw, guanxi_store::today_in_china()).expect("draft")
}

fn row(line: usize, fields: &[(Field, &str)]) -> ImportRow {
    ImportRow {
        id: None,
        line,
        draft: draft(fields),
        kind_given: false,
        status_given: false,
        force_new: false,
        prepared: None,
    }
}

/// Rows of new customers, numbered from `from`.
fn new_rows(from: usize, n: usize) -> Vec<ImportRow> {
    (from..from + n)
        .map(|i| row(i, &[(Field::Name, &format!("导入{i}")), (Field::Phone, &format!("139{i:08}"))]))
        .collect()
}

async fn names(store: &Store) -> Vec<String> {
    let all = CustomerFilter { page: 1, per_page: 500, ..Default::default() };
    store.list_customers(&all).await.expect("list").items.into_iter().map(|c| c.name).collect()
}

/// Between two batches of an import, another writer gets its turn; rolled back, the import
/// takes back what it committed (the customers it created are removed, the fields it changed
/// put back unless changed again since, and a customer someone added a contact to meanwhile
/// goes to the recycle bin with the contact), while the other writer's work stays.
#[tokio::test]
async fn an_import_lets_others_write_and_is_taken_back_whole() {
    for (backend, store) in kit::stores().await {
        let stored = store
            .create_customer(Actor::SYSTEM, &draft(&[(Field::Name, "老客户"), (Field::Phone, "13800000001")]))
            .await
            .expect("create");
        let renamed = store
            .create_customer(Actor::SYSTEM, &draft(&[(Field::Name, "另一位"), (Field::Phone, "13800000002")]))
            .await
            .expect("create");
        let mut session = store.begin_import(Actor::SYSTEM, "long.csv").await.expect("begin");
        session.commit_every(Duration::ZERO);
        let mut first = new_rows(10, 30);
        first.push(row(40, &[(Field::Name, "老客户"), (Field::Phone, "13800000001"), (Field::City, "杭州")]));
        first.push(row(41, &[(Field::Name, "另一位"), (Field::Phone, "13800000002"), (Field::City, "苏州")]));
        assert!(session.write(first).await.expect("first batch").is_empty(), "{backend}");
        // Another writer, between two batches: on SQLite it gets in because the import
        // committed its window; on PostgreSQL nothing held it up in the first place.
        let between = tokio::time::timeout(
            Duration::from_secs(5),
            store.create_customer(Actor::SYSTEM, &draft(&[(Field::Name, "同时录入")])),
        )
        .await
        .expect("a writer is not held up by the import")
        .expect("create between batches");
        // On SQLite, someone changes what the import changed, and logs a contact with a new
        // customer (on PostgreSQL both would wait for the import: it holds those rows).
        let new_one = match backend {
            "sqlite" => {
                let mut changes = Raw::new();
                changes.set(Field::City, "南京");
                store.update_customer(Actor::SYSTEM, renamed, &changes, None).await.expect("update");
                let id = store.search("导入10", 5).await.expect("search")[0].id;
                let call = InteractionDraft::parse(
                    &Raw::new().with(Field::Channel, "电话").with(Field::Summary, "问了价格"),
                    chrono::Utc::now(),
                    8,
                )
                .expect("call");
                store.add_interaction(Actor::SYSTEM, id, &call).await.expect("contact");
                Some(id)
            }
            _ => None,
        };
        assert!(session.write(new_rows(50, 20)).await.expect("second batch").is_empty(), "{backend}");
        session.rollback().await.expect("rollback");

        let left = names(&store).await;
        assert!(left.iter().all(|n| !n.starts_with("导入")), "{backend}: {left:?}");
        assert!(left.contains(&"同时录入".to_string()), "{backend}: the other writer's customer stays");
        assert!(store.customer(between).await.expect("kept").deleted_at.is_none(), "{backend}");
        let old = store.customer(stored).await.expect("old");
        assert_eq!(old.draft.city, None, "{backend}: the field the import changed is put back");
        let other = store.customer(renamed).await.expect("other");
        let expected = if backend == "sqlite" { Some("南京") } else { None };
        assert_eq!(other.draft.city.as_deref(), expected, "{backend}: a change made since is kept");
        if let Some(id) = new_one {
            let binned = store.customer(id).await.expect("in the bin, not gone");
            assert!(binned.deleted_at.is_some(), "{backend}");
            assert_eq!(store.interactions(id).await.expect("contacts").len(), 1, "{backend}: the contact is kept");
        }
        let log = store.audit_log(200).await.expect("audit");
        let record = log.iter().find(|e| e.entity == "customers" && e.note.as_deref() == Some("long.csv"));
        if backend == "sqlite" {
            let after = record.and_then(|e| e.after.clone()).expect("the import's record");
            assert_eq!(after["undone"], true, "{backend}: {after}");
            assert_eq!(after["removed"], 49, "{backend}: {after}");
            assert_eq!(after["binned"], 1, "{backend}: {after}");
        }
        // The same file again imports normally.
        let mut again = store.begin_import(Actor::SYSTEM, "again.csv").await.expect("begin");
        again.commit_every(Duration::ZERO);
        again.write(new_rows(10, 5)).await.expect("write");
        again.write(new_rows(15, 5)).await.expect("write");
        let o = again.commit().await.expect("commit");
        assert_eq!(o.created, 10, "{backend}");
        assert!(
            store.take_back_abandoned_imports().await.expect("sweep").is_empty(),
            "{backend}: nothing to take back"
        );
    }
}

/// An import whose process died part way is taken back by the next process to open the
/// database: here the process is made to look dead.
#[tokio::test]
async fn an_abandoned_import_is_taken_back_by_the_next_process() {
    let scratch = guanxi_store::scratch::Scratch::new();
    let path = scratch.sqlite("guanxi-store-tests");
    let file = path.as_str();
    let store = Store::open(file).await.expect("open");
    let mut session = store.begin_import(Actor::SYSTEM, "killed.csv").await.expect("begin");
    session.commit_every(Duration::ZERO);
    session.write(new_rows(1, 40)).await.expect("write");
    assert_eq!(store.count_customers().await.expect("count"), 40, "the window was committed");
    // The process is gone: nothing ends the session.
    std::mem::forget(session);
    let raw = sqlx::SqlitePool::connect(&format!("sqlite:{file}")).await.expect("raw");
    sqlx::query("UPDATE import_runs SET pid = 2147483000").execute(&raw).await.expect("a dead pid");
    raw.close().await;
    let next = Store::open(file).await.expect("open again");
    let undone = next.take_back_abandoned_imports().await.expect("take back");
    assert_eq!(undone.iter().map(|(_, u)| u.removed).collect::<Vec<_>>(), [40]);
    assert_eq!(next.count_customers().await.expect("count"), 0, "taken back by the next process");
    let _ = std::fs::remove_file(&path);
}
