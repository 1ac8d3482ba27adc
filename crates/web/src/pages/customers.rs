//! The customer list, the archive page 客户档案, the create and edit forms, history, and the
//! recycle bin.

use super::archive::{ArchiveForms, archive_page};
use super::form::{self, Input, Section};
use crate::AppState;
use crate::auth::{Action, ClientAddr, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, china_time, render, url_encode};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guanxi_domain::*;
use guanxi_store::{CustomerFilter, CustomerSort, CustomerSummary, Page, SavedView, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(list).post(create))
        .route("/customers/new", get(new_form))
        .route("/customers/views", post(save_view))
        .route("/customers/enrol", post(enrol_list))
        .route("/customers/views/{id}/delete", post(delete_view))
        .route("/customers/{id}", get(show).post(update))
        .route("/customers/{id}/edit", get(edit_form))
        .route("/customers/{id}/delete", post(delete))
        .route("/customers/{id}/restore", post(restore))
        .route("/bin", get(bin))
}

pub const PER_PAGE: i64 = 50;

/// The list's query string, as typed into the filter form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub needs: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub segment: String,
    /// P(alive) below this percentage.
    #[serde(default)]
    pub alive: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub lifecycle: String,
    #[serde(default)]
    pub quadrant: String,
    /// Only what an import wrote (the import's number, linked from its result).
    #[serde(default)]
    pub imported: String,
    #[serde(default)]
    pub sort: String,
    pub page: Option<i64>,
    pub done: Option<String>,
}

fn nonempty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl ListQuery {
    /// The store filter; an unknown value names its parameter.
    pub fn filter(&self) -> Result<CustomerFilter, AppError> {
        fn pick<V>(name: &str, s: &str, parse: fn(&str) -> Option<V>) -> Result<Option<V>, AppError> {
            match nonempty(s) {
                None => Ok(None),
                Some(v) => parse(&v).map(Some).ok_or_else(|| {
                    AppError::bad_request(
                        format!("参数 {name} 的值「{v}」无效"),
                        format!("Invalid value {v:?} for {name}"),
                    )
                }),
            }
        }
        Ok(CustomerFilter {
            query: nonempty(&self.q),
            kind: pick("kind", &self.kind, CustomerKind::parse)?,
            status: pick("status", &self.status, CustomerStatus::parse)?,
            needs_orientation: pick("needs", &self.needs, NeedsOrientation::parse)?,
            owner: nonempty(&self.owner),
            tag: nonempty(&self.tag),
            tier: pick("tier", &self.tier, ValueTier::parse)?,
            segment: pick("segment", &self.segment, guanxi_domain::value::RfmSegment::parse)?,
            alive_below: pick("alive", &self.alive, |s| {
                s.trim_end_matches('%').parse::<f64>().ok().filter(|p| (0.0..=100.0).contains(p)).map(|p| p / 100.0)
            })?,
            relationship_stage: pick("stage", &self.stage, guanxi_domain::relationship::RelationshipStage::parse)?,
            relationship_level: pick("level", &self.level, guanxi_domain::relationship::RelationshipLevel::parse)?,
            lifecycle: pick("lifecycle", &self.lifecycle, guanxi_domain::standing::Phase::parse)?,
            quadrant: pick("quadrant", &self.quadrant, guanxi_domain::standing::Quadrant::parse)?,
            imported: pick("imported", &self.imported, |s| s.parse::<i64>().ok().filter(|n| *n > 0))?,
            sort: pick("sort", &self.sort, CustomerSort::parse)?.unwrap_or(CustomerSort::Updated),
            deleted: false,
            page: self.page.unwrap_or(1).max(1),
            per_page: PER_PAGE,
        })
    }

    /// This query as a query string, without the page number and notice.
    pub fn encode(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("kind", &self.kind),
            ("status", &self.status),
            ("needs", &self.needs),
            ("owner", &self.owner),
            ("tag", &self.tag),
            ("tier", &self.tier),
            ("segment", &self.segment),
            ("alive", &self.alive),
            ("stage", &self.stage),
            ("level", &self.level),
            ("lifecycle", &self.lifecycle),
            ("quadrant", &self.quadrant),
            ("imported", &self.imported),
            ("sort", &self.sort),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", url_encode(v.trim())));
            }
        }
        parts.join("&")
    }

    /// The filters as a person reads them (「搜索：zhao；负责人：li.na」), empty without any.
    pub fn describe(&self, t: T, names: &crate::html::Names) -> String {
        let lang = t.lang();
        let field = |f: Field, v: &str| (f.label(lang).to_string(), names.display(f, v.trim(), lang));
        let mut parts: Vec<(String, String)> = Vec::new();
        let mut push = |v: &str, named: &dyn Fn(&str) -> (String, String)| {
            if !v.trim().is_empty() {
                parts.push(named(v));
            }
        };
        push(&self.q, &|v| (t.pick("搜索", "Search").to_string(), v.trim().to_string()));
        push(&self.kind, &|v| field(Field::Kind, v));
        push(&self.status, &|v| field(Field::Status, v));
        push(&self.needs, &|v| field(Field::NeedsOrientation, v));
        push(&self.owner, &|v| field(Field::Owner, v));
        push(&self.tag, &|v| field(Field::Tags, v));
        push(&self.tier, &|v| {
            let label = ValueTier::parse(v.trim()).map(|x| x.label(lang).to_string()).unwrap_or_else(|| v.to_string());
            (t.pick("价值层级", "Tier").to_string(), label)
        });
        let label =
            |parsed: Option<&'static str>, v: &str| parsed.map(str::to_string).unwrap_or_else(|| v.trim().to_string());
        push(&self.segment, &|v| {
            let l = guanxi_domain::value::RfmSegment::parse(v.trim()).map(|x| x.label(lang));
            (t.pick("RFM 分群", "RFM segment").to_string(), label(l, v))
        });
        push(&self.alive, &|v| (t.pick("活跃概率低于", "P(alive) below").to_string(), format!("{}%", v.trim())));
        push(&self.stage, &|v| field(Field::RelationshipStage, v));
        push(&self.level, &|v| field(Field::RelationshipLevel, v));
        push(&self.lifecycle, &|v| {
            let l = guanxi_domain::standing::Phase::parse(v.trim()).map(|x| x.label(lang));
            (t.pick("生命周期", "Lifecycle").to_string(), label(l, v))
        });
        push(&self.quadrant, &|v| {
            let l = guanxi_domain::standing::Quadrant::parse(v.trim()).map(|x| x.label(lang));
            (t.pick("满意度 × 忠诚度", "Quadrant").to_string(), label(l, v))
        });
        push(&self.imported, &|v| (t.pick("导入批次", "Import").to_string(), format!("#{}", v.trim())));
        let sep = t.pick("：", ": ");
        parts.iter().map(|(k, v)| format!("{k}{sep}{v}")).collect::<Vec<_>>().join(t.pick("；", "; "))
    }
}

#[derive(Template)]
#[template(path = "customers.html")]
struct ListPage {
    c: Chrome,
    q: ListQuery,
    page: Page<CustomerSummary>,
    filters: Vec<Input>,
    sort: Vec<(String, String)>,
    views: Vec<SavedView>,
    query_string: String,
    names: crate::html::Names,
    /// The filters in force, in words, so a filtered list never passes for the whole archive.
    described: String,
    /// The cadences a manager may enrol this list in: (id, name).
    cadences: Vec<(i64, String)>,
}

impl ListPage {
    /// An empty archive, unfiltered: the page says what to do first instead of listing nothing.
    fn first_start(&self) -> bool {
        self.page.total == 0 && self.query_string.is_empty()
    }

    fn owner(&self, c: &CustomerSummary) -> String {
        c.owner.as_deref().map(|o| self.names.of(o)).unwrap_or_default()
    }

    fn kind_label(&self, c: &CustomerSummary) -> &'static str {
        c.kind.label(self.c.t.lang())
    }

    fn status_label(&self, c: &CustomerSummary) -> &'static str {
        c.status.label(self.c.t.lang())
    }

    fn last_page(&self) -> i64 {
        ((self.page.total + self.page.per_page - 1) / self.page.per_page).max(1)
    }

    /// Past the counted customers there may be more pages; a full page says there are.
    fn has_next(&self) -> bool {
        self.page.page < self.last_page()
            || (self.page.total_capped && self.page.items.len() as i64 == self.page.per_page)
    }

    fn page_link(&self, page: i64) -> String {
        let mut s = format!("/customers?{}", self.query_string);
        if !self.query_string.is_empty() {
            s.push('&');
        }
        s.push_str(&format!("page={page}"));
        s
    }

    fn first_shown(&self) -> i64 {
        if self.page.items.is_empty() { 0 } else { (self.page.page - 1) * self.page.per_page + 1 }
    }

    fn last_shown(&self) -> i64 {
        (self.page.page - 1) * self.page.per_page + self.page.items.len() as i64
    }
}

pub(crate) async fn owner_choices(state: &AppState) -> Result<Vec<(String, String)>, AppError> {
    Ok(state
        .store()
        .users()
        .await?
        .into_iter()
        .filter(|u| u.active && u.id != guanxi_store::Actor::SYSTEM.0)
        .map(|u| (u.username.clone(), format!("{} ({})", u.display_name, u.username)))
        .collect())
}

async fn list(
    State(state): State<AppState>,
    v: Viewer,
    ClientAddr(client): ClientAddr,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let filter = q.filter()?;
    let page = state.store().list_customers(&filter).await?;
    crate::reads::count(&state, &v, page.items.len(), &client).await?;
    let t = T(v.lang());
    let raw = Raw::new()
        .with(Field::Kind, q.kind.trim())
        .with(Field::Status, q.status.trim())
        .with(Field::NeedsOrientation, q.needs.trim())
        .with(Field::Owner, q.owner.trim())
        .with(Field::Tags, q.tag.trim());
    let mut filters =
        form::inputs(&[Field::Kind, Field::Status, Field::NeedsOrientation, Field::Owner, Field::Tags], &raw, None, t);
    for i in &mut filters {
        i.hint = None;
        match i.name {
            "kind" | "status" => {
                if let form::InputKind::Select(opts) = &mut i.kind {
                    opts.insert(0, (String::new(), t.any().to_string()));
                }
            }
            "needs_orientation" => {
                i.name = "needs";
                if let form::InputKind::Select(opts) = &mut i.kind {
                    opts[0].1 = t.any().to_string();
                }
            }
            "owner" => {
                let mut opts = vec![(String::new(), t.any().to_string())];
                opts.extend(owner_choices(&state).await?);
                opts.push((guanxi_store::NO_OWNER.to_string(), t.no_owner().to_string()));
                i.kind = form::InputKind::Select(opts);
            }
            "tags" => {
                i.name = "tag";
            }
            _ => {}
        }
    }
    let any = (String::new(), t.any().to_string());
    let mut tiers = vec![any.clone()];
    tiers.extend(ValueTier::ALL.iter().map(|v| (v.code().to_string(), v.label(t.lang()).to_string())));
    let mut segments = vec![any];
    segments.extend(
        guanxi_domain::value::RfmSegment::ALL.iter().map(|v| (v.code().to_string(), v.label(t.lang()).to_string())),
    );
    let value_input = |name: &'static str, label: &'static str, value: &str, kind: form::InputKind| form::Input {
        name,
        label,
        value: value.trim().to_string(),
        error: None,
        kind,
        required: false,
        hint: None,
        row: None,
    };
    filters.push(value_input("tier", t.value_tier(), &q.tier, form::InputKind::Select(tiers)));
    filters.push(value_input("segment", t.rfm_segment(), &q.segment, form::InputKind::Select(segments)));
    filters.push(value_input("alive", t.alive_below(), &q.alive, form::InputKind::Text));
    let choices = |all: Vec<(String, String)>| {
        let mut v = vec![(String::new(), t.any().to_string())];
        v.extend(all);
        form::InputKind::Select(v)
    };
    let lang = t.lang();
    use guanxi_domain::relationship::{RelationshipLevel, RelationshipStage};
    use guanxi_domain::standing::{Phase, Quadrant};
    let pairs = |codes: Vec<&'static str>, labels: Vec<&'static str>| {
        codes.into_iter().zip(labels).map(|(c, l)| (c.to_string(), l.to_string())).collect::<Vec<_>>()
    };
    filters.push(value_input(
        "stage",
        t.relationship_stage(),
        &q.stage,
        choices(pairs(RelationshipStage::codes(), RelationshipStage::ALL.iter().map(|x| x.label(lang)).collect())),
    ));
    filters.push(value_input(
        "level",
        t.relationship_level(),
        &q.level,
        choices(pairs(RelationshipLevel::codes(), RelationshipLevel::ALL.iter().map(|x| x.label(lang)).collect())),
    ));
    filters.push(value_input(
        "lifecycle",
        t.lifecycle(),
        &q.lifecycle,
        choices(pairs(Phase::codes(), Phase::ALL.iter().map(|x| x.label(lang)).collect())),
    ));
    filters.push(value_input(
        "quadrant",
        t.quadrant(),
        &q.quadrant,
        choices(pairs(Quadrant::codes(), Quadrant::ALL.iter().map(|x| x.label(lang)).collect())),
    ));
    let sort = [
        (CustomerSort::Updated, t.sort_updated()),
        (CustomerSort::Newest, t.sort_newest()),
        (CustomerSort::Oldest, t.sort_oldest()),
        (CustomerSort::Name, t.sort_name()),
    ]
    .into_iter()
    .map(|(s, l)| (s.code().to_string(), l.to_string()))
    .collect();
    let views = state.store().saved_views(v.user.id).await?;
    let here = uri.path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let query_string = q.encode();
    let c = Chrome::new(&v, Nav::Customers, q.done.as_deref(), here);
    let names = crate::html::Names::load(state.store()).await?;
    let described = q.describe(c.t, &names);
    let cadences = if v.may(crate::auth::Action::ManageCadences).is_ok() {
        state.store().cadences().await?.into_iter().map(|k| (k.id, k.draft.name)).collect()
    } else {
        Vec::new()
    };
    Ok(render(&ListPage { c, q, page, filters, sort, views, query_string, names, described, cadences }))
}

#[derive(Deserialize)]
struct ViewForm {
    name: String,
    query: String,
}

async fn save_view(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    let form: ViewForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::bad_request("表单数据无法解析", "The form data could not be read"))?;
    // Keep only what the list understands, so a saved view cannot smuggle anything else.
    let q: ListQuery = serde_urlencoded::from_str(&form.query).unwrap_or_default();
    q.filter()?;
    let query = q.encode();
    state.store().save_view(v.user.id, &form.name, &query).await?;
    let sep = if query.is_empty() { "" } else { "&" };
    Ok(Redirect::to(&format!("/customers?{query}{sep}done={}", Done::ViewSaved.code())).into_response())
}

async fn delete_view(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().delete_view(v.user.id, id).await?;
    Ok(Redirect::to(&format!("/customers?done={}", Done::Removed.code())).into_response())
}

// ----- create and edit -----

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    c: Chrome,
    title: &'static str,
    action: String,
    kind: &'static str,
    sections: Vec<Section>,
    version: Option<i64>,
    /// Every problem, each linking to its field.
    errors: Vec<(String, String)>,
    cancel: String,
    extras: FormExtras,
}

/// What a customer form says above its fields besides errors.
#[derive(Default)]
pub struct FormExtras {
    /// Someone saved the customer after this form was opened (issue #22: a bare 409 page threw
    /// the typed changes away): who, when, and what they changed.
    conflict: Option<ConflictView>,
    /// Customers the new one looks like: (link, name, why). Saving needs "save anyway".
    duplicates: Vec<(i64, String, &'static str)>,
}

pub struct ConflictView {
    who: String,
    when: String,
    /// (field, before, after) of their changes.
    changes: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
struct NewQuery {
    kind: Option<String>,
}

fn parse_kind(s: Option<&str>) -> CustomerKind {
    s.and_then(CustomerKind::parse).unwrap_or(CustomerKind::Individual)
}

async fn new_form(State(state): State<AppState>, v: Viewer, Query(q): Query<NewQuery>) -> Result<Response, AppError> {
    v.may(Action::CreateCustomer)?;
    let kind = parse_kind(q.kind.as_deref());
    let raw =
        Raw::new().with(Field::Owner, v.user.username.clone()).with(Field::Status, CustomerStatus::Prospect.code());
    form_page(&state, &v, kind, raw, None, None, None, FormExtras::default()).await
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    v: &Viewer,
    kind: CustomerKind,
    raw: Raw,
    errors: Option<&Validation>,
    id: Option<i64>,
    version: Option<i64>,
    extras: FormExtras,
) -> Result<Response, AppError> {
    let t = T(v.lang());
    let mut sections = form::customer_sections(kind, &raw, errors, t, &owner_choices(state).await?);
    // Only managers and admins give a customer to someone (F-11); others own what they create.
    if permits_owner_change(v).is_err() {
        for s in &mut sections {
            s.inputs.retain(|i| i.name != Field::Owner.code());
        }
    }
    let (title, action, nav, cancel) = match id {
        Some(id) => (t.edit_customer(), format!("/customers/{id}"), Nav::Customers, format!("/customers/{id}")),
        None => (
            match kind {
                CustomerKind::Individual => t.individual_new(),
                CustomerKind::Organization => t.organization_new(),
            },
            "/customers".to_string(),
            Nav::NewCustomer,
            "/customers".to_string(),
        ),
    };
    let c = Chrome::new(v, nav, None, action.clone());
    let listed = errors.map(|e| e.0.iter().map(|x| (x.field.code().to_string(), x.message(v.lang()))).collect());
    let failed = errors.is_some();
    let conflict = extras.conflict.is_some();
    let page = FormPage {
        c,
        title,
        action,
        kind: kind.code(),
        sections,
        version,
        errors: listed.unwrap_or_default(),
        cancel,
        extras,
    };
    let mut r = render(&page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    } else if conflict {
        *r.status_mut() = axum::http::StatusCode::CONFLICT;
    }
    Ok(r)
}

/// Only managers and admins hand a customer to someone else (reps keep what they own).
fn permits_owner_change(v: &Viewer) -> Result<(), AppError> {
    v.may(Action::BulkEdit)
}

async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::CreateCustomer)?;
    let form = FormData::parse(&body)?;
    let kind = parse_kind(Some(form.get("kind")));
    let mut raw = form.raw(&form::customer_fields());
    raw.set(Field::Kind, kind.code());
    crate::auth::owner_of_new(&v, &mut raw)?;
    let draft = match CustomerDraft::parse(&raw, guanxi_store::today_in_china()) {
        Ok(d) => d,
        Err(errors) => return form_page(&state, &v, kind, raw, Some(&errors), None, None, FormExtras::default()).await,
    };
    // Someone who may exist already: say so with links, and save only when told to anyway
    // (issue #22: entering an existing customer saved silently).
    if form.get("save_anyway") != "yes" {
        let lang = v.lang();
        let duplicates: Vec<(i64, String, &'static str)> = state
            .store()
            .similar_customers(&draft, None)
            .await?
            .into_iter()
            .map(|(id, name, why)| (id, name, why.label(lang)))
            .collect();
        if !duplicates.is_empty() {
            let extras = FormExtras { duplicates, ..Default::default() };
            return form_page(&state, &v, kind, raw, None, None, None, extras).await;
        }
    }
    match state.store().create_customer(v.actor(), &draft).await {
        Ok(id) => Ok(Redirect::to(&format!("/customers/{id}?done={}", Done::Created.code())).into_response()),
        Err(StoreError::Invalid(errors)) => {
            form_page(&state, &v, kind, raw, Some(&errors), None, None, FormExtras::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let record = crate::auth::editable_customer(&state, &v, id).await?;
    let raw = record.draft.to_fields();
    form_page(&state, &v, record.draft.kind, raw, None, Some(id), Some(record.version), FormExtras::default()).await
}

async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let record = crate::auth::editable_customer(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let mut fields = form::customer_fields();
    fields.retain(|f| *f != Field::Kind);
    if permits_owner_change(&v).is_err() {
        fields.retain(|f| *f != Field::Owner);
    }
    let raw = form.raw(&fields);
    let version = form.get("version").parse::<i64>().ok();
    match state.store().update_customer(v.actor(), id, &raw, version).await {
        Ok(_) => Ok(Redirect::to(&format!("/customers/{id}?done={}", Done::Saved.code())).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let mut shown = record.draft.to_fields();
            for (f, val) in &raw.0 {
                shown.set(*f, val.clone());
            }
            form_page(&state, &v, record.draft.kind, shown, Some(&errors), Some(id), version, FormExtras::default())
                .await
        }
        // Saved by someone else meanwhile: the form again, with what was typed and what they
        // changed; saving it again applies what was typed.
        Err(StoreError::Conflict { .. }) if version.is_some() => {
            let current = state.store().customer(id).await?;
            let conflict = conflict_view(&state, id, version.unwrap_or(0), current.version, v.lang()).await?;
            let mut shown = current.draft.to_fields();
            for (f, val) in &raw.0 {
                shown.set(*f, val.clone());
            }
            let extras = FormExtras { conflict: Some(conflict), ..Default::default() };
            form_page(&state, &v, record.draft.kind, shown, None, Some(id), Some(current.version), extras).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Who changed the customer since `version` and how: the customer's audit entries of the
/// versions after it, newest first, their changed fields summed up.
async fn conflict_view(
    state: &AppState,
    id: i64,
    version: i64,
    now: i64,
    lang: Lang,
) -> Result<ConflictView, AppError> {
    let entries: Vec<_> = state
        .store()
        .history(id)
        .await?
        .into_iter()
        .filter(|e| e.entity == "customer" && e.customer_id == Some(id) && e.action != "create")
        .take((now - version).clamp(1, 50) as usize)
        .collect();
    let names = crate::html::Names::load(state.store()).await?;
    let who = entries.first().map(|e| names.of(&e.actor)).unwrap_or_default();
    let when = entries.first().map(|e| china_time(&e.at)).unwrap_or_default();
    let mut changes: Vec<(String, String, String)> = Vec::new();
    for e in entries.iter().rev() {
        for (label, before, after) in
            super::history::changes_of(&e.entity, e.before.as_ref(), e.after.as_ref(), &names, lang)
        {
            match changes.iter_mut().find(|c| c.0 == label) {
                Some(c) => c.2 = after,
                None => changes.push((label, before, after)),
            }
        }
    }
    Ok(ConflictView { who, when, changes })
}

async fn delete(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let record = state.store().customer(id).await?;
    v.may(Action::DeleteCustomer { owner: record.owner_id })?;
    state.store().delete_customer(v.actor(), id).await?;
    Ok(Redirect::to(&format!("/customers/{id}?done={}", Done::Deleted.code())).into_response())
}

async fn restore(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    state.store().restore_customer(v.actor(), id).await?;
    Ok(Redirect::to(&format!("/customers/{id}?done={}", Done::Restored.code())).into_response())
}

#[derive(Deserialize)]
struct ShowQuery {
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    v: Viewer,
    ClientAddr(client): ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    crate::reads::count(&state, &v, 1, &client).await?;
    archive_page(&state, &v, id, q.done.as_deref(), ArchiveForms::default()).await
}

// ----- recycle bin -----

#[derive(Template)]
#[template(path = "bin.html")]
struct BinPage {
    c: Chrome,
    page: Page<CustomerSummary>,
}

#[derive(Deserialize)]
struct BinQuery {
    page: Option<i64>,
}

async fn bin(State(state): State<AppState>, v: Viewer, Query(q): Query<BinQuery>) -> Result<Response, AppError> {
    v.may(Action::BulkEdit)?;
    let filter = CustomerFilter { deleted: true, page: q.page.unwrap_or(1), per_page: PER_PAGE, ..Default::default() };
    let page = state.store().list_customers(&filter).await?;
    let c = Chrome::new(&v, Nav::Bin, None, "/bin".into());
    Ok(render(&BinPage { c, page }))
}

/// "Enrol the customers of this list" in a cadence: every customer the list's filters match,
/// not only the page shown — after a page that says how many and asks to confirm.
async fn enrol_list(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(crate::auth::Action::ManageCadences)?;
    let form = FormData::parse(&body)?;
    let cadence: i64 = form
        .get("cadence")
        .trim()
        .parse()
        .map_err(|_| AppError::bad_request("请选择一个跟进节奏", "Choose a cadence"))?;
    let k = state.store().cadence(cadence).await?;
    let q: ListQuery = serde_urlencoded::from_str(form.get("filter"))
        .map_err(|e| AppError::bad_request(format!("筛选条件无效：{e}"), format!("The filters are not valid: {e}")))?;
    let filter = q.filter()?;
    if form.get("confirm") != "yes" {
        let count = state.store().list_customers(&CustomerFilter { per_page: 1, ..filter.clone() }).await?;
        let t = T(v.lang());
        let names = crate::html::Names::load(state.store()).await?;
        // Of them, how many its first message can reach (an address and consent on its channel).
        let channel = k.draft.steps.iter().find_map(|s| s.kind.channel());
        let reach = match channel {
            Some(ch) => state.store().reachable(&filter, ch).await?.map(|n| {
                t.cadence_confirm_reach().replace("{n}", &n.to_string()).replace("{channel}", ch.label(t.lang()))
            }),
            None => None,
        };
        let page = ConfirmEnrol {
            reach,
            c: Chrome::new(&v, Nav::Customers, None, "/customers".into()),
            cadence: k.id,
            count: {
                let words = t.count(t.cadence_confirm(), count.total).replace("{name}", &k.draft.name);
                if count.total_capped {
                    words.replacen(&count.total.to_string(), &format!("{}+", count.total), 1)
                } else {
                    words
                }
            },
            described: q.describe(t, &names),
            filter: form.get("filter").to_string(),
        };
        return Ok(render(&page));
    }
    let counts = state.store().enrol(v.actor(), cadence, None, Some(&filter), chrono::Utc::now()).await?;
    state.wake_jobs();
    Ok(super::cadences::enrolled_to(cadence, counts))
}

#[derive(Template)]
#[template(path = "cadence_confirm.html")]
struct ConfirmEnrol {
    c: Chrome,
    cadence: i64,
    /// "N customers will be enrolled in …".
    count: String,
    /// "Of them, N can get e-mail (an address and consent)".
    reach: Option<String>,
    described: String,
    filter: String,
}
