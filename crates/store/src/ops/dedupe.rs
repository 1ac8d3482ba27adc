//! Likely duplicates, merging one customer into another, and undoing a merge.

use super::customers::{load_live, reindex, write_customer};
use super::search::unindex;
use super::summaries::{SUMMARY_SELECT, summary_from_row};
use super::{Pool, audit, fields_json, json_fields, now};
use crate::{Actor, CustomerSummary, DuplicatePair, MergeRecord, StoreError, today_in_china};
use guanxi_domain::dedupe::DuplicateReason;
use guanxi_domain::{Field, Raw};
use sqlx::{AssertSqlSafe, Row as _};
use std::collections::BTreeMap;

const NOT_DISMISSED: &str =
    "NOT EXISTS (SELECT 1 FROM duplicate_dismissals d WHERE d.low_id = a.id AND d.high_id = b.id)";

/// Live customers a new or changed record looks like (same phone, same e-mail, same name and
/// company), other than `except`: what to warn about before saving a duplicate.
pub async fn similar_customers(
    pool: &Pool,
    draft: &guanxi_domain::CustomerDraft,
    except: Option<i64>,
) -> Result<Vec<(i64, String, DuplicateReason)>, StoreError> {
    let mut out: Vec<(i64, String, DuplicateReason)> = Vec::new();
    let except = except.unwrap_or(0);
    let employer = match &draft.profile {
        guanxi_domain::Profile::Individual(p) => p.employer.clone(),
        guanxi_domain::Profile::Organization(_) => None,
    };
    let mut probes: Vec<(&str, Vec<String>, DuplicateReason)> = Vec::new();
    if let Some(phone) = &draft.phone {
        probes.push(("phone = $1", vec![phone.as_str().to_string()], DuplicateReason::SamePhone));
    }
    if let Some(email) = &draft.email {
        probes.push(("lower(email) = lower($1)", vec![email.as_str().to_string()], DuplicateReason::SameEmail));
    }
    match (&draft.kind, employer) {
        (guanxi_domain::CustomerKind::Organization, _) => probes.push((
            "name = $1 AND kind = 'organization'",
            vec![draft.name.clone()],
            DuplicateReason::SameNameAndCompany,
        )),
        (_, Some(company)) => probes.push((
            "name = $1 AND employer = $2",
            vec![draft.name.clone(), company],
            DuplicateReason::SameNameAndCompany,
        )),
        _ => {}
    }
    for (cond, values, why) in probes {
        let n = values.len() + 1;
        let sql = format!(
            "SELECT id, name FROM customers WHERE deleted_at IS NULL AND id <> ${n} AND {cond} ORDER BY id LIMIT 5"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for v in &values {
            q = q.bind(v.clone());
        }
        for row in q.bind(except).fetch_all(pool).await? {
            let id: i64 = row.try_get(0)?;
            if !out.iter().any(|(o, _, _)| *o == id) {
                out.push((id, row.try_get(1)?, why));
            }
        }
    }
    Ok(out)
}

pub async fn duplicate_candidates(pool: &Pool, limit: i64) -> Result<Vec<DuplicatePair>, StoreError> {
    let live = "a.deleted_at IS NULL AND b.deleted_at IS NULL";
    let queries = [
        (DuplicateReason::SamePhone, "b.phone = a.phone AND a.phone IS NOT NULL"),
        (DuplicateReason::SameEmail, "lower(b.email) = lower(a.email) AND a.email IS NOT NULL"),
        (
            DuplicateReason::SameNameAndCompany,
            "b.name = a.name AND b.kind = a.kind AND (a.kind = 'organization' OR (a.employer IS NOT NULL AND b.employer = a.employer))",
        ),
        (
            DuplicateReason::PinyinEqualName,
            "b.name_pinyin = a.name_pinyin AND b.name <> a.name AND b.kind = a.kind \
             AND (b.city = a.city OR b.employer = a.employer OR b.birthday = a.birthday)",
        ),
    ];
    let mut pairs: BTreeMap<(i64, i64), Vec<DuplicateReason>> = BTreeMap::new();
    for (reason, on) in queries {
        let sql = format!(
            "SELECT a.id, b.id FROM customers a JOIN customers b ON b.id > a.id AND {on} \
             WHERE {live} AND {NOT_DISMISSED} ORDER BY a.id, b.id LIMIT $1"
        );
        for r in sqlx::query(AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await? {
            pairs.entry((r.try_get(0)?, r.try_get(1)?)).or_default().push(reason);
        }
    }
    let mut ids: Vec<i64> = pairs.keys().flat_map(|(a, b)| [*a, *b]).collect();
    ids.sort();
    ids.dedup();
    let mut summaries: BTreeMap<i64, CustomerSummary> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let sql = format!("{SUMMARY_SELECT} WHERE c.id IN ({})", list.join(", "));
        for r in sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await? {
            let s = summary_from_row(&r)?;
            summaries.insert(s.id, s);
        }
    }
    let mut out: Vec<DuplicatePair> = pairs
        .into_iter()
        .filter_map(|((a, b), mut reasons)| {
            reasons.sort();
            Some(DuplicatePair { a: summaries.get(&a)?.clone(), b: summaries.get(&b)?.clone(), reasons })
        })
        .collect();
    // Strongest evidence first, then by id.
    out.sort_by(|x, y| {
        x.reasons[0].cmp(&y.reasons[0]).then(y.reasons.len().cmp(&x.reasons.len())).then(x.a.id.cmp(&y.a.id))
    });
    out.truncate(limit.max(0) as usize);
    Ok(out)
}

pub async fn dismiss_duplicate(pool: &Pool, actor: Actor, a: i64, b: i64) -> Result<(), StoreError> {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    let mut tx = super::begin(pool).await?;
    load_live(&mut tx, low).await?;
    load_live(&mut tx, high).await?;
    sqlx::query(
        "INSERT INTO duplicate_dismissals (low_id, high_id, actor_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(low)
    .bind(high)
    .bind(actor.0)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    let note = format!("not a duplicate of {high}");
    audit(&mut tx, actor, "dismiss_duplicate", "customer", Some(low), Some(low), None, None, Some(&note)).await?;
    tx.commit().await?;
    Ok(())
}

/// What a merge moved, so that it can be put back.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct MergeDetail {
    key_people: Vec<i64>,
    people_around: Vec<i64>,
    interactions: Vec<i64>,
    /// Orders moved (absent from merges made before orders existed).
    #[serde(default)]
    orders: Vec<i64>,
    /// Opportunities and tasks moved (absent from merges made before them).
    #[serde(default)]
    opportunities: Vec<i64>,
    #[serde(default)]
    tasks: Vec<i64>,
    /// Engagements with competitors moved (absent from merges made before them).
    #[serde(default)]
    engagements: Vec<i64>,
    /// Health checks, surveys, win-back cases and referrals — as the referrer and as the one
    /// referred — moved (absent from merges made before them). The dropped customer's referral
    /// and open win-back case stay with it when the kept one has its own (one of each a customer).
    #[serde(default)]
    health_checks: Vec<i64>,
    #[serde(default)]
    surveys: Vec<i64>,
    #[serde(default)]
    winback_cases: Vec<i64>,
    #[serde(default)]
    referrals_made: Vec<i64>,
    #[serde(default)]
    referral_received: Vec<i64>,
    /// Outbox messages, cadence enrolments (but one in a cadence the kept customer is in now)
    /// and consent records on the channels the kept customer has none of, moved; a withdrawal
    /// of the dropped customer's that the kept one's consent would overrule, added to the kept
    /// one (an opt-out always wins). Absent from merges made before them.
    #[serde(default)]
    messages: Vec<i64>,
    #[serde(default)]
    enrolments: Vec<i64>,
    #[serde(default)]
    consents: Vec<i64>,
    #[serde(default)]
    consents_added: Vec<i64>,
    keep_before: serde_json::Value,
    keep_after: serde_json::Value,
}

async fn ids_of(tx: &mut super::Tx<'_>, table: &str, customer_id: i64) -> Result<Vec<i64>, StoreError> {
    ids_where(tx, table, "customer_id", customer_id, "").await
}

/// Ids of `table`'s rows whose `column` is the customer, and which meet `and` (SQL, may be empty).
async fn ids_where(
    tx: &mut super::Tx<'_>,
    table: &str,
    column: &str,
    customer_id: i64,
    and: &str,
) -> Result<Vec<i64>, StoreError> {
    let sql = format!("SELECT id FROM {table} WHERE {column} = $1{and} ORDER BY id");
    sqlx::query(AssertSqlSafe(sql))
        .bind(customer_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from))
        .collect()
}

async fn move_rows(tx: &mut super::Tx<'_>, table: &str, ids: &[i64], to: i64) -> Result<(), StoreError> {
    move_column(tx, table, "customer_id", ids, to).await
}

async fn move_column(
    tx: &mut super::Tx<'_>,
    table: &str,
    column: &str,
    ids: &[i64],
    to: i64,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let sql = format!("UPDATE {table} SET {column} = $1 WHERE id IN ({})", list.join(", "));
        sqlx::query(AssertSqlSafe(sql)).bind(to).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Health checks, surveys, win-back cases and referrals of a merge, to `to`. The customers'
/// derived standing is recomputed on their next read.
async fn move_standing(tx: &mut super::Tx<'_>, d: &MergeDetail, to: i64) -> Result<(), StoreError> {
    move_rows(tx, "health_checks", &d.health_checks, to).await?;
    move_rows(tx, "surveys", &d.surveys, to).await?;
    move_rows(tx, "winback_cases", &d.winback_cases, to).await?;
    move_column(tx, "referrals", "referrer_id", &d.referrals_made, to).await?;
    move_column(tx, "referrals", "referred_id", &d.referral_received, to).await?;
    Ok(())
}

/// Merges `drop` into `keep`: what `keep` lacks is filled from `drop`, and the fields in
/// `from_drop` take `drop`'s value where both have one (a person chose them side by side).
pub async fn merge(pool: &Pool, actor: Actor, keep: i64, drop: i64, from_drop: &[Field]) -> Result<i64, StoreError> {
    if keep == drop {
        return Err(StoreError::conflict("不能把客户合并到它自己", "a customer cannot be merged into itself"));
    }
    let mut tx = super::begin(pool).await?;
    // Both rows locked in id order before either is read, then checked under the lock: two
    // merges of the same pair, or of a crossed pair (A←B, B←A), take turns, and the second is
    // refused with what happened (problem 2 of the reliability review: both were written, or
    // PostgreSQL found a deadlock).
    super::orders::lock_customers(&mut tx, &[keep, drop]).await?;
    for id in [keep, drop] {
        let c = super::customers::load_customer(&mut tx, id).await?;
        if let Some(into) = c.merged_into_id {
            return Err(StoreError::conflict(
                format!("客户 {id} 刚刚已被合并到客户 {into}，无需再合并（可在变更历史中撤销那次合并）"),
                format!(
                    "customer {id} has just been merged into customer {into}; nothing to merge (that merge can be undone from the history)"
                ),
            ));
        }
    }
    let kept = load_live(&mut tx, keep).await?;
    let dropped = load_live(&mut tx, drop).await?;
    let mut merged = kept.draft.fill_from(&dropped.draft, today_in_china());
    if !from_drop.is_empty() {
        let theirs = dropped.draft.to_fields();
        let mut chosen = Raw::new();
        for f in from_drop.iter().filter(|f| !f.is_one_of(&[Field::Kind, Field::Tags, Field::Preferences])) {
            chosen.set(*f, theirs.get(*f));
        }
        merged = merged.apply(&chosen, today_in_china())?;
    }
    merged.tags.sort();
    let detail = MergeDetail {
        key_people: ids_of(&mut tx, "key_people", drop).await?,
        people_around: ids_of(&mut tx, "people_around", drop).await?,
        interactions: ids_of(&mut tx, "interactions", drop).await?,
        orders: ids_of(&mut tx, "orders", drop).await?,
        opportunities: ids_of(&mut tx, "opportunities", drop).await?,
        tasks: ids_of(&mut tx, "tasks", drop).await?,
        engagements: ids_of(&mut tx, "competitor_engagements", drop).await?,
        health_checks: ids_of(&mut tx, "health_checks", drop).await?,
        surveys: ids_of(&mut tx, "surveys", drop).await?,
        winback_cases: {
            let keep_open =
                !ids_where(&mut tx, "winback_cases", "customer_id", keep, " AND status = 'open'").await?.is_empty();
            let and = if keep_open { " AND status <> 'open'" } else { "" };
            ids_where(&mut tx, "winback_cases", "customer_id", drop, and).await?
        },
        referrals_made: ids_where(&mut tx, "referrals", "referrer_id", drop, " AND deleted_at IS NULL").await?,
        referral_received: {
            let keep_has =
                !ids_where(&mut tx, "referrals", "referred_id", keep, " AND deleted_at IS NULL").await?.is_empty();
            if keep_has {
                Vec::new()
            } else {
                ids_where(&mut tx, "referrals", "referred_id", drop, " AND deleted_at IS NULL").await?
            }
        },
        messages: ids_of(&mut tx, "outbox", drop).await?,
        enrolments: ids_where(
            &mut tx,
            "cadence_enrolments",
            "customer_id",
            drop,
            &format!(
                " AND NOT (state = 'active' AND cadence_id IN (SELECT cadence_id FROM cadence_enrolments \
                 WHERE customer_id = {keep} AND state = 'active'))"
            ),
        )
        .await?,
        consents: ids_where(
            &mut tx,
            "consents",
            "customer_id",
            drop,
            &format!(" AND channel NOT IN (SELECT channel FROM consents WHERE customer_id = {keep})"),
        )
        .await?,
        consents_added: Vec::new(),
        keep_before: fields_json(&kept.draft.to_fields()),
        keep_after: fields_json(&merged.to_fields()),
    };
    let mut detail = detail;
    detail.consents_added = super::consent::carry_withdrawals(&mut tx, actor, drop, keep).await?;
    move_rows(&mut tx, "key_people", &detail.key_people, keep).await?;
    move_rows(&mut tx, "people_around", &detail.people_around, keep).await?;
    move_rows(&mut tx, "interactions", &detail.interactions, keep).await?;
    move_rows(&mut tx, "orders", &detail.orders, keep).await?;
    move_rows(&mut tx, "opportunities", &detail.opportunities, keep).await?;
    move_rows(&mut tx, "tasks", &detail.tasks, keep).await?;
    move_rows(&mut tx, "competitor_engagements", &detail.engagements, keep).await?;
    move_rows(&mut tx, "outbox", &detail.messages, keep).await?;
    move_rows(&mut tx, "cadence_enrolments", &detail.enrolments, keep).await?;
    move_rows(&mut tx, "consents", &detail.consents, keep).await?;
    move_standing(&mut tx, &detail, keep).await?;
    super::orders::refresh_customers(&mut tx, &[keep, drop]).await?;
    let at = now();
    sqlx::query("UPDATE customers SET deleted_at = $1, merged_into_id = $2, version = version + 1 WHERE id = $3")
        .bind(at)
        .bind(keep)
        .bind(drop)
        .execute(&mut *tx)
        .await?;
    unindex(&mut tx, drop).await?;
    write_customer(&mut tx, keep, &merged, kept.owner_id).await?;
    let detail_json = serde_json::to_string(&detail).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let merge_id: i64 = sqlx::query(
        "INSERT INTO merges (kept_id, dropped_id, at, actor_id, detail_json) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(keep)
    .bind(drop)
    .bind(at)
    .bind(actor.0)
    .bind(detail_json)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    let note_keep = format!("merge {merge_id}: customer {drop} merged into this one");
    let note_drop = format!("merge {merge_id}: merged into customer {keep}");
    audit(
        &mut tx,
        actor,
        "merge",
        "customer",
        Some(keep),
        Some(keep),
        Some(&detail.keep_before),
        Some(&detail.keep_after),
        Some(&note_keep),
    )
    .await?;
    audit(
        &mut tx,
        actor,
        "merge",
        "customer",
        Some(drop),
        Some(drop),
        Some(&fields_json(&dropped.draft.to_fields())),
        None,
        Some(&note_drop),
    )
    .await?;
    tx.commit().await?;
    Ok(merge_id)
}

pub async fn unmerge(pool: &Pool, actor: Actor, merge_id: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT kept_id, dropped_id, detail_json, undone_at FROM merges WHERE id = $1{}",
        super::for_update()
    )))
    .bind(merge_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("merge", merge_id))?;
    let keep: i64 = row.try_get(0)?;
    let drop: i64 = row.try_get(1)?;
    let undone: Option<chrono::DateTime<chrono::Utc>> = row.try_get(3)?;
    if undone.is_some() {
        return Err(StoreError::conflict(
            format!("合并 {merge_id} 已经撤销过"),
            format!("merge {merge_id} was already undone"),
        ));
    }
    let detail: MergeDetail = serde_json::from_str(&row.try_get::<String, _>(2)?)
        .map_err(|e| StoreError::Corrupt(format!("merge {merge_id}: {e}")))?;
    super::orders::lock_customers(&mut tx, &[keep, drop]).await?;
    let kept = load_live(&mut tx, keep).await?;
    // Put back each field the merge changed, unless someone has changed it again since.
    let before = json_fields(&detail.keep_before);
    let after = json_fields(&detail.keep_after);
    let current = kept.draft.to_fields();
    let changes = super::put_back(&before, &after, &current);
    let mut restored = kept.draft.apply(&changes, today_in_china())?;
    restored.tags.sort();
    move_rows(&mut tx, "key_people", &detail.key_people, drop).await?;
    move_rows(&mut tx, "people_around", &detail.people_around, drop).await?;
    move_rows(&mut tx, "interactions", &detail.interactions, drop).await?;
    move_rows(&mut tx, "orders", &detail.orders, drop).await?;
    move_rows(&mut tx, "opportunities", &detail.opportunities, drop).await?;
    move_rows(&mut tx, "tasks", &detail.tasks, drop).await?;
    move_rows(&mut tx, "competitor_engagements", &detail.engagements, drop).await?;
    move_rows(&mut tx, "outbox", &detail.messages, drop).await?;
    move_rows(&mut tx, "cadence_enrolments", &detail.enrolments, drop).await?;
    move_rows(&mut tx, "consents", &detail.consents, drop).await?;
    super::consent::remove_consents(&mut tx, &detail.consents_added).await?;
    move_standing(&mut tx, &detail, drop).await?;
    super::orders::refresh_customers(&mut tx, &[keep, drop]).await?;
    write_customer(&mut tx, keep, &restored, kept.owner_id).await?;
    sqlx::query("UPDATE customers SET deleted_at = NULL, merged_into_id = NULL, version = version + 1 WHERE id = $1")
        .bind(drop)
        .execute(&mut *tx)
        .await?;
    let dropped = super::customers::load_customer(&mut tx, drop).await?;
    reindex(&mut tx, drop, &dropped.draft).await?;
    sqlx::query("UPDATE merges SET undone_at = $1, undone_by = $2 WHERE id = $3")
        .bind(now())
        .bind(actor.0)
        .bind(merge_id)
        .execute(&mut *tx)
        .await?;
    let note = format!("merge {merge_id} undone");
    audit(
        &mut tx,
        actor,
        "unmerge",
        "customer",
        Some(keep),
        Some(keep),
        Some(&fields_json(&current)),
        Some(&fields_json(&restored.to_fields())),
        Some(&note),
    )
    .await?;
    audit(
        &mut tx,
        actor,
        "unmerge",
        "customer",
        Some(drop),
        Some(drop),
        None,
        Some(&fields_json(&dropped.draft.to_fields())),
        Some(&note),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn merges(pool: &Pool, customer_id: i64) -> Result<Vec<MergeRecord>, StoreError> {
    merges_where(pool, "m.kept_id = $1 OR m.dropped_id = $1", customer_id).await
}

pub async fn merge_record(pool: &Pool, id: i64) -> Result<MergeRecord, StoreError> {
    merges_where(pool, "m.id = $1", id).await?.pop().ok_or_else(|| StoreError::not_found("merge", id))
}

async fn merges_where(pool: &Pool, cond: &'static str, arg: i64) -> Result<Vec<MergeRecord>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT m.id, m.kept_id, m.dropped_id, m.at, u.username, m.undone_at FROM merges m \
         JOIN users u ON u.id = m.actor_id WHERE {cond} ORDER BY m.id DESC"
    )))
    .bind(arg)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MergeRecord {
                id: r.try_get(0)?,
                kept_id: r.try_get(1)?,
                dropped_id: r.try_get(2)?,
                at: r.try_get(3)?,
                actor: r.try_get(4)?,
                undone_at: r.try_get(5)?,
            })
        })
        .collect()
}
