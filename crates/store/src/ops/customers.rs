//! Customers: the write path (validate → write → reindex → audit, in one transaction) and reads.

use super::summaries::{SUMMARY_SELECT, summary_from_row};
use super::{DB, Pool, Row, Tx, audit, corrupt, fields_json, now, opt_code, resolve_users};
use crate::{
    Actor, AuditEntry, COUNT_LIMIT, CustomerFilter, CustomerRecord, CustomerSummary, Page, SEARCH_LIMIT, StoreError,
    today_in_china,
};
use chrono::NaiveDate;
use guanxi_domain::search::name_pinyin;
use guanxi_domain::*;
use sqlx::{AssertSqlSafe, Row as _};
use std::borrow::Cow;
use std::sync::LazyLock;

/// A column value to bind, borrowed from the draft where it can be.
pub(crate) enum Val<'a> {
    Text(Option<Cow<'a, str>>),
    Date(Option<NaiveDate>),
    Int(Option<i64>),
}

const NO_INDIVIDUAL: &IndividualProfile = &IndividualProfile {
    gender: None,
    birthday: None,
    birthday_lunar: false,
    family: None,
    employer: None,
    job_title: None,
    motives: None,
    personality: None,
    beliefs: None,
    attitudes: None,
    interests: None,
};
const NO_ORGANIZATION: &OrganizationProfile = &OrganizationProfile {
    industry: None,
    founded_on: None,
    size: None,
    sales_capacity: None,
    business_results: None,
    potential: None,
    prospects: None,
    trading_terms: None,
    credit_rating: None,
    closeness: None,
};

/// The customer table's writable columns and their values for a draft.
/// The lunar month and day a birthday kept by the lunar calendar is found by.
pub(crate) fn lunar_key(birthday: Option<NaiveDate>, lunar: bool) -> Option<String> {
    birthday.filter(|_| lunar).and_then(guanxi_domain::lunar::month_day)
}

pub(crate) fn customer_values(d: &CustomerDraft, owner_id: Option<i64>) -> Vec<(&'static str, Val<'_>)> {
    customer_values_prepared(d, owner_id, None)
}

/// The same, taking the derived values from `prepared` when an import computed them ahead.
pub(crate) fn customer_values_prepared<'a>(
    d: &'a CustomerDraft,
    owner_id: Option<i64>,
    prepared: Option<&'a Prepared>,
) -> Vec<(&'static str, Val<'a>)> {
    fn t(s: Option<&str>) -> Val<'_> {
        Val::Text(s.map(Cow::Borrowed))
    }
    let c = |s: Option<&'static str>| Val::Text(s.map(Cow::Borrowed));
    let ind = d.individual().unwrap_or(NO_INDIVIDUAL);
    let org = d.organization().unwrap_or(NO_ORGANIZATION);
    vec![
        ("kind", c(Some(d.kind.code()))),
        ("status", c(Some(d.status.code()))),
        ("purpose", c(d.purpose.map(|x| x.code()))),
        ("needs_orientation", c(d.needs_orientation.map(|x| x.code()))),
        ("name", t(Some(&d.name))),
        (
            "name_pinyin",
            Val::Text(Some(match prepared {
                Some(p) => Cow::Borrowed(p.name_pinyin.as_str()),
                None => Cow::Owned(name_pinyin(&d.name)),
            })),
        ),
        ("source", t(d.source.as_deref())),
        ("owner_id", Val::Int(owner_id)),
        ("external_id", t(d.external_id.as_deref())),
        ("phone", t(d.phone.as_ref().map(Phone::as_str))),
        ("email", t(d.email.as_ref().map(Email::as_str))),
        ("wechat", t(d.wechat.as_deref())),
        ("address", t(d.address.as_deref())),
        ("city", t(d.city.as_deref())),
        ("notes", t(d.notes.as_deref())),
        (
            "preferences",
            Val::Text(Some(match prepared {
                Some(p) => Cow::Borrowed(p.preferences_json.as_str()),
                None => Cow::Owned(preferences_json(&d.preferences)),
            })),
        ),
        ("preferences_note", t(d.preferences_note.as_deref())),
        ("gender", c(ind.gender.map(|x| x.code()))),
        ("birthday", Val::Date(ind.birthday)),
        ("birthday_lunar_md", Val::Text(lunar_key(ind.birthday, ind.birthday_lunar).map(Cow::Owned))),
        ("family", t(ind.family.as_deref())),
        ("employer", t(ind.employer.as_deref())),
        ("job_title", t(ind.job_title.as_deref())),
        ("motives", t(ind.motives.as_deref())),
        ("personality", t(ind.personality.as_deref())),
        ("beliefs", t(ind.beliefs.as_deref())),
        ("attitudes", t(ind.attitudes.as_deref())),
        ("interests", t(ind.interests.as_deref())),
        ("industry", t(org.industry.as_deref())),
        ("founded_on", Val::Date(org.founded_on)),
        ("size", c(org.size.map(|x| x.code()))),
        ("sales_capacity", t(org.sales_capacity.as_deref())),
        ("business_results", t(org.business_results.as_deref())),
        ("potential", t(org.potential.as_deref())),
        ("prospects", t(org.prospects.as_deref())),
        ("trading_terms", t(org.trading_terms.as_deref())),
        ("credit_rating", c(org.credit_rating.map(|x| x.code()))),
        ("closeness", c(org.closeness.map(|x| x.code()))),
    ]
}

static INSERT_SQL: LazyLock<String> = LazyLock::new(|| {
    let draft = placeholder_draft();
    let cols = customer_values(&draft, None);
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    let n = names.len();
    let params: Vec<String> = (1..=n + 2).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO customers ({}, created_at, updated_at) VALUES ({}) RETURNING id",
        names.join(", "),
        params.join(", ")
    )
});

static UPDATE_SQL: LazyLock<String> = LazyLock::new(|| {
    let draft = placeholder_draft();
    let cols = customer_values(&draft, None);
    let sets: Vec<String> = cols.iter().enumerate().map(|(i, (n, _))| format!("{n} = ${}", i + 1)).collect();
    let n = cols.len();
    format!(
        "UPDATE customers SET {}, updated_at = ${}, version = version + 1 WHERE id = ${}",
        sets.join(", "),
        n + 1,
        n + 2
    )
});

fn placeholder_draft() -> CustomerDraft {
    CustomerDraft {
        kind: CustomerKind::Individual,
        status: CustomerStatus::Prospect,
        purpose: None,
        needs_orientation: None,
        name: String::new(),
        source: None,
        owner: None,
        tags: vec![],
        external_id: None,
        phone: None,
        email: None,
        wechat: None,
        address: None,
        city: None,
        notes: None,
        preferences: vec![],
        preferences_note: None,
        profile: Profile::Individual(IndividualProfile::default()),
    }
}

pub(crate) type Q<'a> = sqlx::query::Query<'a, DB, <DB as sqlx::Database>::Arguments>;

pub(crate) fn bind_values<'a>(mut q: Q<'a>, values: Vec<(&'static str, Val<'_>)>) -> Q<'a> {
    for (_, v) in values {
        q = match v {
            Val::Text(s) => q.bind(s.as_deref()),
            Val::Date(d) => q.bind(d),
            Val::Int(i) => q.bind(i),
        };
    }
    q
}

/// The owner's user id, or a validation error naming the owner field.
pub(crate) async fn resolve_owner(tx: &mut Tx<'_>, draft: &CustomerDraft) -> Result<Option<i64>, StoreError> {
    match &draft.owner {
        None => Ok(None),
        Some(name) => Ok(resolve_users(tx, Field::Owner, std::slice::from_ref(name)).await?.first().copied()),
    }
}

async fn write_tags(tx: &mut Tx<'_>, id: i64, tags: &[String]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM customer_tags WHERE customer_id = $1").bind(id).execute(&mut **tx).await?;
    for tag in tags {
        sqlx::query("INSERT INTO customer_tags (customer_id, tag) VALUES ($1, $2)")
            .bind(id)
            .bind(tag)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Inserts a validated customer with its tags and search keys; the caller audits.
pub(crate) async fn insert_customer(
    tx: &mut Tx<'_>,
    draft: &CustomerDraft,
    owner_id: Option<i64>,
) -> Result<i64, StoreError> {
    let at = now();
    let q = bind_values(sqlx::query(AssertSqlSafe(INSERT_SQL.as_str())), customer_values(draft, owner_id));
    let id: i64 = q.bind(at).bind(at).fetch_one(&mut **tx).await?.try_get(0)?;
    write_tags(tx, id, &draft.tags).await?;
    super::search::index_customer(tx, id, draft, &[], true).await?;
    Ok(id)
}

pub(crate) async fn write_customer(
    tx: &mut Tx<'_>,
    id: i64,
    draft: &CustomerDraft,
    owner_id: Option<i64>,
) -> Result<(), StoreError> {
    write_customer_row(tx, id, draft, owner_id).await?;
    reindex(tx, id, draft).await
}

/// The customer's row and tags, without its search keys (the caller reindexes).
pub(crate) async fn write_customer_row(
    tx: &mut Tx<'_>,
    id: i64,
    draft: &CustomerDraft,
    owner_id: Option<i64>,
) -> Result<(), StoreError> {
    let q = bind_values(sqlx::query(AssertSqlSafe(UPDATE_SQL.as_str())), customer_values(draft, owner_id));
    q.bind(now()).bind(id).execute(&mut **tx).await?;
    super::visit_schedule::owner_changed_in(tx, id, owner_id).await?;
    write_tags(tx, id, &draft.tags).await
}

/// Recomputes the customer's search keys, including its key people's names and phones.
pub(crate) async fn reindex(tx: &mut Tx<'_>, id: i64, draft: &CustomerDraft) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT name, phone FROM key_people WHERE customer_id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
    let mut people = Vec::new();
    for r in rows {
        people.push((r.try_get::<String, _>(0)?, r.try_get::<Option<String>, _>(1)?));
    }
    super::search::index_customer(tx, id, draft, &people, false).await
}

pub async fn create_customer(pool: &Pool, actor: Actor, draft: &CustomerDraft) -> Result<i64, StoreError> {
    let mut tx = super::begin(pool).await?;
    let owner_id = resolve_owner(&mut tx, draft).await?;
    let id = insert_customer(&mut tx, draft, owner_id).await?;
    audit(&mut tx, actor, "create", "customer", Some(id), Some(id), None, Some(&fields_json(&draft.to_fields())), None)
        .await?;
    if let Some(owner) = owner_id {
        super::notifications::customer_assigned_in(&mut tx, actor, owner, id, &draft.name, now()).await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub(crate) const CUSTOMER_SELECT: &str = "SELECT c.*, u.username AS owner_username FROM customers c \
     LEFT JOIN users u ON u.id = c.owner_id";

pub(crate) fn preferences_from(r: &Row) -> Result<Vec<Preference>, StoreError> {
    let s: String = r.try_get("preferences")?;
    serde_json::from_str(&s).map_err(|_| corrupt("preferences", &s))
}

pub(crate) fn customer_from_row(r: &Row, tags: Vec<String>) -> Result<CustomerRecord, StoreError> {
    let kind_s: String = r.try_get("kind")?;
    let kind = CustomerKind::parse(&kind_s).ok_or_else(|| corrupt("kind", &kind_s))?;
    let status_s: String = r.try_get("status")?;
    let profile = match kind {
        CustomerKind::Individual => Profile::Individual(IndividualProfile {
            gender: opt_code(r, "gender", Gender::parse)?,
            birthday: r.try_get("birthday")?,
            birthday_lunar: r.try_get::<Option<String>, _>("birthday_lunar_md")?.is_some(),
            family: r.try_get("family")?,
            employer: r.try_get("employer")?,
            job_title: r.try_get("job_title")?,
            motives: r.try_get("motives")?,
            personality: r.try_get("personality")?,
            beliefs: r.try_get("beliefs")?,
            attitudes: r.try_get("attitudes")?,
            interests: r.try_get("interests")?,
        }),
        CustomerKind::Organization => Profile::Organization(OrganizationProfile {
            industry: r.try_get("industry")?,
            founded_on: r.try_get("founded_on")?,
            size: opt_code(r, "size", OrgSize::parse)?,
            sales_capacity: r.try_get("sales_capacity")?,
            business_results: r.try_get("business_results")?,
            potential: r.try_get("potential")?,
            prospects: r.try_get("prospects")?,
            trading_terms: r.try_get("trading_terms")?,
            credit_rating: opt_code(r, "credit_rating", CreditRating::parse)?,
            closeness: opt_code(r, "closeness", Closeness::parse)?,
        }),
    };
    let draft = CustomerDraft {
        kind,
        status: CustomerStatus::parse(&status_s).ok_or_else(|| corrupt("status", &status_s))?,
        purpose: opt_code(r, "purpose", CustomerPurpose::parse)?,
        needs_orientation: opt_code(r, "needs_orientation", NeedsOrientation::parse)?,
        name: r.try_get("name")?,
        source: r.try_get("source")?,
        owner: r.try_get("owner_username")?,
        tags,
        external_id: r.try_get("external_id")?,
        phone: r.try_get::<Option<String>, _>("phone")?.map(Phone::from_stored),
        email: r.try_get::<Option<String>, _>("email")?.map(Email::from_stored),
        wechat: r.try_get("wechat")?,
        address: r.try_get("address")?,
        city: r.try_get("city")?,
        notes: r.try_get("notes")?,
        preferences: preferences_from(r)?,
        preferences_note: r.try_get("preferences_note")?,
        profile,
    };
    Ok(CustomerRecord {
        id: r.try_get("id")?,
        draft,
        owner_id: r.try_get("owner_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        deleted_at: r.try_get("deleted_at")?,
        merged_into_id: r.try_get("merged_into_id")?,
        version: r.try_get("version")?,
    })
}

/// A customer about to be changed, its row locked until the transaction ends (PostgreSQL; on
/// SQLite the write transaction holds the lock already): two writers of one customer take turns,
/// so a version check or a partial update always sees the other's committed change (problem 1
/// of the reliability review: both of two concurrent PATCHes passed the version check).
pub(crate) async fn load_customer(tx: &mut Tx<'_>, id: i64) -> Result<CustomerRecord, StoreError> {
    read_customer(tx, id, true).await
}

pub(crate) async fn read_customer(tx: &mut Tx<'_>, id: i64, lock: bool) -> Result<CustomerRecord, StoreError> {
    let lock = if lock && !super::for_update().is_empty() { " FOR UPDATE OF c" } else { "" };
    let row = sqlx::query(AssertSqlSafe(format!("{CUSTOMER_SELECT} WHERE c.id = $1{lock}")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("customer", id))?;
    let tags = sqlx::query("SELECT tag FROM customer_tags WHERE customer_id = $1 ORDER BY tag")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
    customer_from_row(&row, tags)
}

/// A customer as it is now: a read, which never waits for SQLite's writer (problem 4).
pub async fn customer(pool: &Pool, id: i64) -> Result<CustomerRecord, StoreError> {
    let mut tx = pool.begin().await?;
    let c = read_customer(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(c)
}

/// A live (not deleted) customer, or a clear error.
pub(crate) async fn load_live(tx: &mut Tx<'_>, id: i64) -> Result<CustomerRecord, StoreError> {
    let c = load_customer(tx, id).await?;
    if c.deleted_at.is_some() {
        return Err(StoreError::conflict(
            format!("客户 {id} 在回收站中，请先恢复"),
            format!("customer {id} is in the recycle bin; restore it first"),
        ));
    }
    Ok(c)
}

pub async fn update_customer(
    pool: &Pool,
    actor: Actor,
    id: i64,
    changes: &Raw,
    expected_version: Option<i64>,
) -> Result<CustomerRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let current = load_live(&mut tx, id).await?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(StoreError::conflict(
            "该客户已被他人修改，请刷新后再改",
            "someone else changed this customer in the meantime; reload and try again",
        ));
    }
    let mut draft = current.draft.apply(changes, today_in_china())?;
    draft.tags.sort();
    if draft == current.draft {
        tx.commit().await?;
        return Ok(current);
    }
    let owner_id = resolve_owner(&mut tx, &draft).await?;
    write_customer(&mut tx, id, &draft, owner_id).await?;
    if let Some(owner) = owner_id.filter(|o| Some(*o) != current.owner_id) {
        super::notifications::customer_assigned_in(&mut tx, actor, owner, id, &draft.name, now()).await?;
    }
    audit(
        &mut tx,
        actor,
        "update",
        "customer",
        Some(id),
        Some(id),
        Some(&fields_json(&current.draft.to_fields())),
        Some(&fields_json(&draft.to_fields())),
        None,
    )
    .await?;
    let updated = load_customer(&mut tx, id).await?;
    tx.commit().await?;
    Ok(updated)
}

pub async fn delete_customer(pool: &Pool, actor: Actor, id: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let c = load_live(&mut tx, id).await?;
    sqlx::query("UPDATE customers SET deleted_at = $1, version = version + 1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    super::search::unindex(&mut tx, id).await?;
    audit(
        &mut tx,
        actor,
        "delete",
        "customer",
        Some(id),
        Some(id),
        Some(&fields_json(&c.draft.to_fields())),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn restore_customer(pool: &Pool, actor: Actor, id: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let c = load_customer(&mut tx, id).await?;
    if c.deleted_at.is_none() {
        return Err(StoreError::conflict(
            format!("客户 {id} 不在回收站中"),
            format!("customer {id} is not in the recycle bin"),
        ));
    }
    if let Some(into) = c.merged_into_id {
        return Err(StoreError::conflict(
            format!("客户 {id} 已合并到客户 {into}，请撤销合并而不是恢复"),
            format!("customer {id} was merged into {into}; undo the merge instead of restoring"),
        ));
    }
    sqlx::query("UPDATE customers SET deleted_at = NULL, version = version + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    reindex(&mut tx, id, &c.draft).await?;
    audit(
        &mut tx,
        actor,
        "restore",
        "customer",
        Some(id),
        Some(id),
        None,
        Some(&fields_json(&c.draft.to_fields())),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The conditions of a filter (all but the search words) and their bound values: what the list,
/// its count and its export all go through, so an export holds exactly what the list showed.
pub(crate) fn filter_conditions(f: &CustomerFilter) -> (String, Vec<String>) {
    let mut conds: Vec<String> =
        vec![if f.deleted { "c.deleted_at IS NOT NULL" } else { "c.deleted_at IS NULL" }.into()];
    let mut args: Vec<String> = Vec::new();
    if let Some(k) = f.kind {
        args.push(k.code().into());
        conds.push(format!("c.kind = ${}", args.len()));
    }
    if let Some(s) = f.status {
        args.push(s.code().into());
        conds.push(format!("c.status = ${}", args.len()));
    }
    if let Some(n) = f.needs_orientation {
        args.push(n.code().into());
        conds.push(format!("c.needs_orientation = ${}", args.len()));
    }
    // The owner is matched by id, so that lists without an owner filter need no join.
    if f.owner.as_deref() == Some(crate::NO_OWNER) {
        conds.push("c.owner_id IS NULL".into());
    } else if let Some(o) = &f.owner {
        args.push(o.clone());
        conds.push(format!("c.owner_id IN (SELECT id FROM users WHERE lower(username) = lower(${}))", args.len()));
    }
    if let Some(t) = &f.tag {
        args.push(t.clone());
        conds.push(format!(
            "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ${})",
            args.len()
        ));
    }
    if let Some(t) = f.tier {
        args.push(t.code().into());
        conds.push(format!("c.id IN (SELECT customer_id FROM customer_values WHERE tier = ${})", args.len()));
    }
    if let Some(s) = f.segment {
        args.push(s.code().into());
        conds.push(format!("c.id IN (SELECT customer_id FROM customer_values WHERE rfm_segment = ${})", args.len()));
    }
    if let Some(x) = f.relationship_stage {
        args.push(x.code().into());
        conds.push(format!("c.relationship_stage = ${}", args.len()));
    }
    if let Some(x) = f.relationship_level {
        args.push(x.code().into());
        conds.push(format!("c.relationship_level = ${}", args.len()));
    }
    if let Some(x) = f.lifecycle {
        args.push(x.code().into());
        conds.push(format!("c.id IN (SELECT customer_id FROM relationship_facts WHERE lifecycle = ${})", args.len()));
    }
    if let Some(x) = f.quadrant {
        args.push(x.code().into());
        conds.push(format!("c.id IN (SELECT customer_id FROM relationship_facts WHERE quadrant = ${})", args.len()));
    }
    if let Some(i) = f.imported {
        // A number, formatted rather than bound like the others (text).
        conds.push(format!("c.id IN (SELECT customer_id FROM audit_log WHERE import_id = {i})"));
    }
    if let Some(p) = f.alive_below.filter(|p| p.is_finite()) {
        // A number, not text: formatted here rather than bound, so both databases compare numbers.
        conds.push(format!("c.id IN (SELECT customer_id FROM customer_values WHERE p_alive < {})", p.clamp(0.0, 1.0)));
    }
    (conds.join(" AND "), args)
}

/// The ids the search words find (at most `SEARCH_LIMIT`, best first) within the filter; None
/// without search words.
async fn searched_ids(
    pool: &Pool,
    f: &CustomerFilter,
    where_: &str,
    args: &[String],
) -> Result<Option<Vec<i64>>, StoreError> {
    let Some(query) = f.query.as_deref().map(str::trim).filter(|q| !q.is_empty()) else { return Ok(None) };
    let found = if f.deleted { Vec::new() } else { super::search_ids(pool, query, SEARCH_LIMIT).await? };
    let mut ids = found.clone();
    if !found.is_empty() {
        let list = found.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut q =
            sqlx::query(AssertSqlSafe(format!("SELECT c.id FROM customers c WHERE c.id IN ({list}) AND {where_}")));
        for a in args {
            q = q.bind(a.clone());
        }
        let keep: std::collections::HashSet<i64> =
            q.fetch_all(pool).await?.iter().map(|r| r.try_get::<i64, _>(0)).collect::<Result<_, _>>()?;
        ids.retain(|id| keep.contains(id));
    }
    Ok(Some(ids))
}

pub async fn list_customers(pool: &Pool, f: &CustomerFilter) -> Result<Page<CustomerSummary>, StoreError> {
    let (where_, args) = filter_conditions(f);
    let per_page = f.per_page.clamp(1, 500);
    let page = f.page.max(1);
    let bind = |sql: String| {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for a in &args {
            q = q.bind(a.clone());
        }
        q
    };
    // The best matches, narrowed by the other filters; the page is cut from them in order.
    if let Some(ids) = searched_ids(pool, f, &where_, &args).await? {
        let found_all = ids.len() as i64 >= SEARCH_LIMIT;
        let total = ids.len() as i64;
        let from = super::offset(page, per_page) as usize;
        let shown: Vec<i64> = ids.into_iter().skip(from).take(per_page as usize).collect();
        let items = super::summaries(pool, &shown).await?;
        return Ok(Page { items, total, total_capped: found_all, page, per_page });
    }
    // Counting a million rows on every page costs more than the page itself: count up to
    // COUNT_LIMIT and say "more than" beyond it.
    let counted: i64 = bind(format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM customers c WHERE {where_} LIMIT {}) AS matching",
        COUNT_LIMIT + 1
    ))
    .fetch_one(pool)
    .await?
    .try_get(0)?;
    let list_sql = format!(
        "{SUMMARY_SELECT} WHERE {where_} ORDER BY {} LIMIT {per_page} OFFSET {}",
        f.sort.sql(),
        super::offset(page, per_page)
    );
    let items = bind(list_sql).fetch_all(pool).await?.iter().map(summary_from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, total: counted.min(COUNT_LIMIT), total_capped: counted > COUNT_LIMIT, page, per_page })
}

pub async fn count_customers(pool: &Pool) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COUNT(*) FROM customers WHERE deleted_at IS NULL").fetch_one(pool).await?.try_get(0)?)
}

pub(crate) fn audit_from_row(r: &Row) -> Result<AuditEntry, StoreError> {
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok());
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("username")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        customer_id: r.try_get("customer_id")?,
        before: parse(r.try_get("before_json")?),
        after: parse(r.try_get("after_json")?),
        note: r.try_get("note")?,
        client: r.try_get("client")?,
    })
}

pub(crate) const AUDIT_SELECT: &str = "SELECT a.id, a.at, u.username, a.action, a.entity, a.entity_id, a.customer_id, \
     a.before_json, a.after_json, a.note, a.client FROM audit_log a JOIN users u ON u.id = a.actor_id";

pub async fn history(pool: &Pool, customer_id: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{AUDIT_SELECT} WHERE a.customer_id = $1 OR a.customer_id IN \
         (SELECT dropped_id FROM merges WHERE kept_id = $1 AND undone_at IS NULL) ORDER BY a.id DESC"
    )))
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(audit_from_row).collect()
}

pub async fn audit_log(pool: &Pool, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("{AUDIT_SELECT} ORDER BY a.id DESC LIMIT $1")))
        .bind(limit.clamp(1, 10_000))
        .fetch_all(pool)
        .await?;
    rows.iter().map(audit_from_row).collect()
}

pub async fn export_batch(pool: &Pool, after_id: i64, limit: i64) -> Result<Vec<CustomerRecord>, StoreError> {
    export_filtered(pool, &CustomerFilter::default(), after_id, limit).await
}

/// How many customers a filter holds, exactly (for an export).
pub async fn count_filtered(pool: &Pool, f: &CustomerFilter) -> Result<i64, StoreError> {
    let (where_, args) = filter_conditions(f);
    if let Some(ids) = searched_ids(pool, f, &where_, &args).await? {
        return Ok(ids.len() as i64);
    }
    let mut q = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) FROM customers c WHERE {where_}")));
    for a in &args {
        q = q.bind(a.clone());
    }
    Ok(q.fetch_one(pool).await?.try_get(0)?)
}

/// The customers a filter holds, whole, in id order after `after_id`: what an export started
/// from a list writes.
pub async fn export_filtered(
    pool: &Pool,
    f: &CustomerFilter,
    after_id: i64,
    limit: i64,
) -> Result<Vec<CustomerRecord>, StoreError> {
    let (mut where_, mut args) = filter_conditions(f);
    if let Some(mut ids) = searched_ids(pool, f, &where_, &args).await? {
        ids.sort_unstable();
        ids.retain(|id| *id > after_id);
        ids.truncate(limit.max(0) as usize);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        where_ = format!("c.id IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
        args.clear();
    }
    let n = args.len();
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "{CUSTOMER_SELECT} WHERE {where_} AND c.id > ${} ORDER BY c.id LIMIT ${}",
        n + 1,
        n + 2
    )));
    for a in &args {
        q = q.bind(a.clone());
    }
    let rows = q.bind(after_id).bind(limit).fetch_all(pool).await?;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(Vec::new());
    };
    let lo: i64 = first.try_get("id")?;
    let hi: i64 = last.try_get("id")?;
    let mut tags: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for r in sqlx::query(
        "SELECT customer_id, tag FROM customer_tags WHERE customer_id BETWEEN $1 AND $2 ORDER BY customer_id, tag",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(pool)
    .await?
    {
        tags.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            customer_from_row(r, tags.remove(&id).unwrap_or_default())
        })
        .collect()
}

pub async fn record_export(pool: &Pool, actor: Actor, note: &str, count: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    audit(
        &mut tx,
        actor,
        "export",
        "customers",
        None,
        None,
        None,
        Some(&serde_json::json!({ "count": count })),
        Some(note),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every tag in use on customers not in the recycle bin, with how many carry it, most used first.
pub async fn tags(pool: &Pool) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.tag, COUNT(*) AS n FROM customer_tags t JOIN customers c ON c.id = t.customer_id \
         WHERE c.deleted_at IS NULL GROUP BY t.tag ORDER BY n DESC, t.tag",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}
