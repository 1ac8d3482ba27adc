//! A customer's history 变更记录, and how an audit entry reads for a person: the action, the note and
//! the changed fields in the reader's language (the audit page reads entries the same way).

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Nav, china_time, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use guanxi_domain::*;

pub fn router() -> Router<AppState> {
    Router::new().route("/customers/{id}/history", get(history))
}

pub struct HistoryRow {
    pub at: String,
    pub who: String,
    pub what: String,
    pub changes: Vec<(String, String, String)>,
    pub note: Option<String>,
    pub merge_id: Option<i64>,
    /// Where to post to bring back a removed key person, person around or interaction.
    pub restore: Option<String>,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    c: Chrome,
    id: i64,
    name: String,
    rows: Vec<HistoryRow>,
    can_unmerge: bool,
}

/// "修改客户" / "changed customer": an audit entry's action and what it was done to.
pub(crate) fn action_label(action: &str, entity: &str, t: T) -> String {
    let a = match action {
        "create" => t.act_create(),
        "update" => t.act_update(),
        "delete" => t.act_delete(),
        "restore" => t.act_restore(),
        "merge" => t.act_merge(),
        "unmerge" => t.act_unmerge(),
        "import" => t.act_import(),
        "export" => t.act_export(),
        "login" => t.act_login(),
        "login_failed" => t.act_login_failed(),
        "login_blocked" => t.act_login_blocked(),
        "logout" => t.act_logout(),
        "token_used" => t.act_token_used(),
        "reauth_failed" => t.act_reauth_failed(),
        "bulk_read" => t.act_bulk_read(),
        "move" => t.act_move(),
        "close" => t.act_close(),
        "tick" => t.act_tick(),
        "dismiss_duplicate" => t.act_dismiss_duplicate(),
        "save" => t.act_save(),
        "enrol" => t.act_enrol(),
        "leave" => t.act_leave(),
        "consent" => t.act_consent(),
        "retry" => t.act_retry(),
        "cancel" => t.act_cancel(),
        "approve" => t.act_approve(),
        "print" => t.act_print(),
        "post" => t.act_post(),
        "discard" => t.act_discard(),
        "pause" => t.act_pause(),
        "resume" => t.act_resume(),
        other => other,
    };
    // Sign-in events are about the session, not a record.
    if matches!(
        action,
        "login"
            | "login_failed"
            | "login_blocked"
            | "logout"
            | "token_used"
            | "reauth_failed"
            | "bulk_read"
            | "consent"
    ) {
        return a.to_string();
    }
    let e = t.entity(entity);
    match t.lang() {
        Lang::ZhCn => format!("{a}{e}"),
        Lang::En => format!("{a} {e}"),
    }
}

/// An audit note in the reader's language: the store writes its notes in English words and
/// codes ("merge 3: merged into customer 858", "closing → after_sales", "public_url"); a note
/// that is none of those (a reason someone typed) is shown as it is.
pub(crate) fn note_text(note: &str, t: T) -> String {
    if let Some((a, b)) = note.split_once("; ") {
        return format!("{}{}{}", note_text(a, t), t.semicolon(), note_text(b, t));
    }
    if t.lang() == Lang::En {
        return note_words_en(note);
    }
    let words = |s: &str| note_words_zh(s).unwrap_or_else(|| s.to_string());
    if let Some(zh) = note_words_zh(note) {
        return zh;
    }
    if let Some(rest) = note.strip_prefix("merge ") {
        if let Some((m, what)) = rest.split_once(": ") {
            if let Some(d) = what.strip_prefix("customer ").and_then(|w| w.strip_suffix(" merged into this one")) {
                return format!("合并 {m}：客户 {d} 并入本客户");
            }
            if let Some(k) = what.strip_prefix("merged into customer ") {
                return format!("合并 {m}：并入客户 {k}");
            }
        }
        if let Some(m) = rest.strip_suffix(" undone") {
            return format!("撤销合并 {m}");
        }
    }
    if let Some(n) = note.strip_prefix("import ").and_then(|r| r.strip_suffix(" undone")) {
        return format!("撤回导入 {n}（导入没有完成）");
    }
    if let Some(h) = note.strip_prefix("not a duplicate of ") {
        return format!("不是客户 {h} 的重复");
    }
    if let Some(n) = note.strip_suffix(" API tokens revoked") {
        return format!("{n} 个 API 令牌已作废");
    }
    if let Some(n) = note.strip_prefix("won deal ") {
        return format!("赢得商机 {n}");
    }
    if let Some((from, to)) = note.split_once(" → ") {
        let (to, reason) = match to.split_once('（') {
            Some((to, r)) => (to, format!("（{r}")),
            None => (to, String::new()),
        };
        return format!("{} → {}{reason}", stage_word(from, t), stage_word(to, t));
    }
    if let Some((what, state)) = note.rsplit_once(": ") {
        let what = match what.split_once('/') {
            Some((stage, key)) => format!("{}/{key}", stage_word(stage, t)),
            None => words(what),
        };
        if state == "done" || state == "not done" {
            return format!("{what}：{}", if state == "done" { "已完成" } else { "未完成" });
        }
        if let Some(n) = state.strip_suffix(" deals") {
            return format!("{what}：{n} 个商机");
        }
        let counts: Vec<&str> = state.split(", ").collect();
        let labels = [(" created", "新建"), (" updated", "更新"), (" unchanged", "未变"), (" refused", "拒绝")];
        if counts.len() == labels.len()
            && let Some(parts) = counts
                .iter()
                .zip(labels)
                .map(|(c, (suffix, zh))| c.strip_suffix(suffix).map(|n| format!("{zh} {n}")))
                .collect::<Option<Vec<_>>>()
        {
            return format!("{what}：{}", parts.join("，"));
        }
    }
    note.to_string()
}

/// A note that is one fixed phrase or setting key, in Chinese.
fn note_words_zh(note: &str) -> Option<String> {
    Some(
        match note {
            "withdrawn" => "已撤回",
            "answered through the link" => "通过链接作答",
            "referred another customer" => "推荐了另一位客户",
            "win-back case closed" => "挽回案例已结束",
            "import" => "导入",
            "guanxi demo" => "演示数据",
            "api" => "API",
            "password changed" => "密码已修改",
            "password reset (to be changed at sign-in)" => "密码已重设（登录时须修改）",
            "sales" => "销售设置",
            "value" => "价值设置",
            "public_url" => "公开地址",
            _ => return None,
        }
        .to_string(),
    )
}

/// A note in English: setting keys in words, sales stages by their labels.
fn note_words_en(note: &str) -> String {
    let t = T(Lang::En);
    match note {
        "sales" => "sales settings".into(),
        "value" => "value settings".into(),
        "public_url" => "public address".into(),
        other => {
            if let Some((from, to)) = other.split_once(" → ") {
                let (to, reason) = to.split_once('（').map_or((to, String::new()), |(to, r)| {
                    (to, format!(" ({}", r.replace("越过：", "overridden: ").replace('）', ")")))
                });
                return format!("{} → {}{reason}", stage_word(from, t), stage_word(to, t));
            }
            if let Some((stage, rest)) = other.split_once('/')
                && guanxi_domain::sales::Stage::from_code(stage).is_some()
            {
                return format!("{}/{rest}", stage_word(stage, t));
            }
            other.to_string()
        }
    }
}

/// A sales stage's label for its code; anything else as it is.
fn stage_word(code: &str, t: T) -> String {
    guanxi_domain::sales::Stage::from_code(code.trim())
        .map_or_else(|| code.to_string(), |s| s.label(t.lang()).to_string())
}

/// Field-by-field differences of two audit snapshots of an `entity`, each as (label, before,
/// after) in the reader's language (issue #22: the history showed codes, `true`, UTC times and
/// JSON arrays).
pub(crate) fn changes_of(
    entity: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
    names: &crate::html::Names,
    lang: Lang,
) -> Vec<(String, String, String)> {
    let empty = serde_json::Map::new();
    let b = before.and_then(|v| v.as_object()).unwrap_or(&empty);
    let a = after.and_then(|v| v.as_object()).unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let t = T(lang);
    keys.into_iter()
        .filter_map(|k| {
            let (old, new) = (b.get(k), a.get(k));
            let empty = |v: Option<&serde_json::Value>| v.is_none_or(serde_json::Value::is_null);
            if old == new || (empty(old) && empty(new)) {
                return None;
            }
            let value = |v| audit_value(entity, k, v, names, t);
            Some((audit_label(entity, k, t), value(old), value(new)))
        })
        .collect()
}

/// The field an audit snapshot's key stands for, where the entity gives it another meaning
/// than a customer's field of that name.
fn audit_field(entity: &str, key: &str) -> Option<Field> {
    match (entity, key) {
        ("competitor_engagement", "kind") => Some(Field::Engagement),
        ("competitor_engagement", "note") => Some(Field::Notes),
        _ => Field::from_code(key),
    }
}

/// An audit snapshot's key as a label.
fn audit_label(entity: &str, key: &str, t: T) -> String {
    let label = match key {
        "count" => t.audit_count(),
        "created" => t.created_n(),
        "updated" => t.updated_n(),
        "unchanged" => t.unchanged_n(),
        "skipped" => t.audit_skipped(),
        "undone" => t.audit_undone(),
        "removed" => t.audit_removed(),
        "restored" => t.audit_restored(),
        "binned" => t.audit_binned(),
        "interactions" => t.ent_interaction(),
        "competitor_id" => t.ent_competitor(),
        "since" => t.audit_since(),
        "until" => t.audit_until(),
        "analysis" => t.audit_analysis(),
        "situation" => t.audit_situation(),
        "referrer" => t.field(Field::Referrer),
        "reward_fen" => t.field(Field::RewardValue),
        "expires_at" => t.audit_expires(),
        "active" => t.audit_active(),
        "lifetime_loss_fen" => t.lifetime_loss(),
        "yearly_value_fen" => t.yearly_value(),
        "trigger" => t.opened_because(),
        "wallet_share" => t.ent_wallet_share(),
        _ => match audit_field(entity, key) {
            Some(f) => f.label(t.lang()),
            None => return key.replace('_', " "),
        },
    };
    label.to_string()
}

/// An audit snapshot's value as text: yes or no, money in yuan, China time, a vocabulary's
/// label, a list joined.
fn audit_value(entity: &str, key: &str, value: Option<&serde_json::Value>, names: &crate::html::Names, t: T) -> String {
    use serde_json::Value;
    let lang = t.lang();
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::Bool(b)) => if *b { t.yes() } else { t.no() }.to_string(),
        Some(Value::Number(n)) if key.ends_with("_fen") => n.as_i64().map(crate::html::yuan).unwrap_or_default(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => {
            if let Ok(at) = chrono::DateTime::parse_from_rfc3339(s) {
                return china_time(&at.with_timezone(&chrono::Utc));
            }
            if key == "trigger"
                && let Some(x) = guanxi_domain::winback::Trigger::parse(s)
            {
                return x.label(lang).to_string();
            }
            match audit_field(entity, key) {
                Some(f) => names.display(f, s, lang),
                None => s.clone(),
            }
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| audit_value(entity, key, Some(i), names, t))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(t.pick("、", ", ")),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                format!("{}{}{}", audit_label(entity, k, t), t.colon(), audit_value(entity, k, Some(v), names, t))
            })
            .collect::<Vec<_>>()
            .join(t.semicolon()),
    }
}

async fn history(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let record = state.store().customer(id).await?;
    let lang = v.lang();
    let merges = state.store().merges(id).await?;
    let names = crate::html::Names::load(state.store()).await?;
    let can_edit = v.may(Action::EditCustomer { owner: record.owner_id }).is_ok();
    // Newest first: a removal already undone by a later restore offers no restore.
    let mut restored = std::collections::HashSet::new();
    let rows = state
        .store()
        .history(id)
        .await?
        .into_iter()
        .map(|e| {
            let path = match e.entity.as_str() {
                "key_person" => Some("key-people"),
                "person_around" => Some("people-around"),
                "interaction" => Some("interactions"),
                _ => None,
            };
            let restore = match (path, e.action.as_str(), e.entity_id) {
                (Some(p), "restore", Some(eid)) => {
                    restored.insert((p, eid));
                    None
                }
                (Some(p), "delete", Some(eid)) if can_edit && restored.insert((p, eid)) => {
                    Some(format!("/{p}/{eid}/restore"))
                }
                _ => None,
            };
            let merge_id = (e.action == "merge")
                .then(|| {
                    merges.iter().find(|m| m.undone_at.is_none() && Some(m.dropped_id) == e.entity_id).map(|m| m.id)
                })
                .flatten();
            HistoryRow {
                at: china_time(&e.at),
                who: names.of(&e.actor),
                what: action_label(&e.action, &e.entity, T(lang)),
                changes: changes_of(&e.entity, e.before.as_ref(), e.after.as_ref(), &names, lang),
                note: e.note.as_deref().map(|n| note_text(n, T(lang))),
                merge_id,
                restore,
            }
        })
        .collect();
    let can_unmerge = v.may(Action::BulkEdit).is_ok();
    let c = Chrome::new(&v, Nav::Customers, None, format!("/customers/{id}/history"));
    Ok(render(&HistoryPage { c, id, name: record.draft.name, rows, can_unmerge }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_read_in_the_readers_language() {
        let zh = T(Lang::ZhCn);
        for (note, said) in [
            ("merge 1: merged into customer 858", "合并 1：并入客户 858"),
            ("merge 2: customer 9 merged into this one", "合并 2：客户 9 并入本客户"),
            ("merge 2 undone", "撤销合并 2"),
            ("import 7 undone", "撤回导入 7（导入没有完成）"),
            ("not a duplicate of 44", "不是客户 44 的重复"),
            ("password changed; 2 API tokens revoked", "密码已修改；2 个 API 令牌已作废"),
            ("closing → after_sales", "成交 → 售后服务"),
            ("qualify → closing（越过：老客户）", "寻找与识别 → 成交（越过：老客户）"),
            ("approach/visit: done", "推销接近/visit：已完成"),
            ("import: 3 created, 1 updated, 0 unchanged, 2 refused", "导入：新建 3，更新 1，未变 0，拒绝 2"),
            ("import: 12 deals", "导入：12 个商机"),
            ("public_url", "公开地址"),
            ("客户说预算冻结: 下季度再谈", "客户说预算冻结: 下季度再谈"),
        ] {
            assert_eq!(note_text(note, zh), said, "{note}");
        }
        let en = T(Lang::En);
        assert_eq!(note_text("closing → after_sales", en), "Closing → After-sales service");
        assert_eq!(
            note_text("qualify → closing（越过：old friend）", en),
            "Identify & qualify → Closing (overridden: old friend)"
        );
        assert_eq!(note_text("value", en), "value settings");
        assert_eq!(note_text("closing the deal soon", en), "closing the deal soon");
    }

    /// A taken-back import's record reads in words, not its JSON keys.
    #[test]
    fn a_taken_back_import_is_labelled() {
        let zh = T(Lang::ZhCn);
        for key in ["undone", "removed", "restored", "binned"] {
            for entity in ["customers", "orders"] {
                let label = audit_label(entity, key, zh);
                assert!(!label.is_ascii(), "{entity}/{key}: {label}");
            }
        }
    }
}
