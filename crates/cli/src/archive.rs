//! Archive commands: users, customers, key people, people around, interactions, search,
//! duplicates and merges.

use crate::{Ctx, UserError, parse_assignments, store_err};
use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use guanxi_domain::*;
use guanxi_store::*;

/// China Standard Time, the zone times are shown in.
fn cst(t: DateTime<Utc>) -> String {
    guanxi_domain::china::minutes(t)
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user: `guanxi user add li.na --name 李娜 --role sales_rep --team 华东`.
    Add {
        username: String,
        #[arg(long)]
        name: String,
        /// admin, manager, sales_rep, service_agent or read_only (or 管理员, 销售经理, 销售代表, 客服, 只读).
        #[arg(long)]
        role: String,
        #[arg(long)]
        team: Option<String>,
    },
    /// List users.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password for signing in to the web app. Without --password-stdin a new
    /// password is generated and printed once.
    Passwd {
        username: String,
        /// Read the new password from standard input (one line) instead.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user (they keep their history; they can no longer own customers).
    Disable { username: String },
    /// Enable a disabled user again.
    Enable { username: String },
}

pub async fn user(ctx: &Ctx, c: UserCommand) -> Result<()> {
    let err = store_err(ctx.lang);
    match c {
        UserCommand::Add { username, name, role, team } => {
            let role = Role::parse(&role).ok_or_else(|| {
                UserError(
                    FieldError::new(
                        Field::Role,
                        &role,
                        Problem::UnknownChoice { allowed: Role::codes().iter().map(|s| s.to_string()).collect() },
                    )
                    .message(ctx.lang),
                )
            })?;
            let u = ctx
                .store
                .add_user(ctx.actor, &NewUser { username, display_name: name, role, team })
                .await
                .map_err(&err)?;
            println!(
                "{} {} ({}, {})",
                ctx.t("已添加用户", "added user"),
                u.username,
                u.display_name,
                u.role.label(ctx.lang)
            );
            let password = guanxi_web::auth::generated_password().map_err(|e| UserError(e.message(ctx.lang)))?;
            guanxi_web::set_password(&ctx.store, ctx.actor, &u.username, &password, true)
                .await
                .map_err(|e| UserError(e.message(ctx.lang)))?;
            println!(
                "{}{password}",
                ctx.t(
                    "初始密码（只显示这一次，首次登录时必须改掉）：",
                    "initial password (shown only this once; it must be changed at the first sign-in): "
                )
            );
        }
        UserCommand::Passwd { username, password_stdin } => {
            let (password, show) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (guanxi_web::auth::generated_password().map_err(|e| UserError(e.message(ctx.lang)))?, true)
            };
            if !show {
                guanxi_web::auth::check_password_rules(&password, &username, ctx.lang).map_err(UserError)?;
            }
            guanxi_web::set_password(&ctx.store, ctx.actor, &username, &password, show)
                .await
                .map_err(|e| UserError(e.message(ctx.lang)))?;
            if show {
                println!(
                    "{}{password}",
                    ctx.t(
                        "新密码（只显示这一次，下次登录时必须改掉）：",
                        "new password (shown only this once; it must be changed at the next sign-in): "
                    )
                );
            } else {
                println!("{} {username}", ctx.t("已设置密码：", "password set for"));
            }
        }
        UserCommand::List { json } => {
            let users = ctx.store.users().await.map_err(&err)?;
            if json {
                return print_json(&users);
            }
            for u in users {
                let state = if u.active { "" } else { ctx.t(" [已停用]", " [disabled]") };
                println!(
                    "{:<16} {:<10} {:<8} {}{}",
                    u.username,
                    u.display_name,
                    u.role.label(ctx.lang),
                    u.team.unwrap_or_default(),
                    state
                );
            }
        }
        UserCommand::Disable { username } => {
            ctx.store.set_user_active(ctx.actor, &username, false).await.map_err(&err)?;
            println!("{} {username}", ctx.t("已停用", "disabled"));
        }
        UserCommand::Enable { username } => {
            ctx.store.set_user_active(ctx.actor, &username, true).await.map_err(&err)?;
            println!("{} {username}", ctx.t("已启用", "enabled"));
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum CustomerCommand {
    /// Add a customer: `guanxi customer add name=王芳 phone=13911112222 preferences="座位: 角落"`.
    Add {
        /// field=value pairs; fields by code or label (name/姓名, phone/手机, kind/类型 …).
        fields: Vec<String>,
    },
    /// Show a customer's whole archive: preferences first, profile, key people, people around, contacts.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Change fields: `guanxi customer edit 12 city=杭州 tags="VIP, 常客"` (empty value clears).
    Edit {
        id: i64,
        fields: Vec<String>,
        /// Refuse if the customer's version is no longer this one.
        #[arg(long)]
        version: Option<i64>,
    },
    /// List customers with filters.
    List {
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        /// Show the recycle bin instead.
        #[arg(long)]
        deleted: bool,
        #[arg(long, default_value_t = 1)]
        page: i64,
        #[arg(long, default_value_t = 50)]
        per_page: i64,
        #[arg(long)]
        json: bool,
    },
    /// Move a customer to the recycle bin.
    Delete { id: i64 },
    /// Bring a customer back from the recycle bin.
    Restore { id: i64 },
    /// Every change to the customer, newest first.
    History {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

fn choice_arg<T: Copy>(
    lang: Lang,
    field: Field,
    v: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
    codes: &[&str],
) -> Result<Option<T>> {
    match v {
        None => Ok(None),
        Some(s) => values::choice(field, s, parse, codes).map_err(|e| UserError(e.message(lang)).into()),
    }
}

pub async fn customer(ctx: &Ctx, c: CustomerCommand) -> Result<()> {
    let err = store_err(ctx.lang);
    match c {
        CustomerCommand::Add { fields } => {
            let raw = parse_assignments(&fields, ctx.lang)?;
            let draft = CustomerDraft::parse(&raw, today_in_china()).map_err(|v| UserError(v.message(ctx.lang)))?;
            let id = ctx.store.create_customer(ctx.actor, &draft).await.map_err(&err)?;
            println!("{} #{id} {}", ctx.t("已添加客户", "added customer"), draft.name);
        }
        CustomerCommand::Show { id, json } => show(ctx, id, json).await?,
        CustomerCommand::Edit { id, fields, version } => {
            let raw = parse_assignments(&fields, ctx.lang)?;
            let c = ctx.store.update_customer(ctx.actor, id, &raw, version).await.map_err(&err)?;
            println!(
                "{} #{id} {} ({} {})",
                ctx.t("已更新客户", "updated customer"),
                c.draft.name,
                ctx.t("版本", "version"),
                c.version
            );
        }
        CustomerCommand::List { kind, status, owner, tag, deleted, page, per_page, json } => {
            let filter = CustomerFilter {
                kind: choice_arg(ctx.lang, Field::Kind, &kind, CustomerKind::parse, &CustomerKind::codes())?,
                status: choice_arg(ctx.lang, Field::Status, &status, CustomerStatus::parse, &CustomerStatus::codes())?,
                owner,
                tag,
                deleted,
                page,
                per_page,
                ..Default::default()
            };
            let page = ctx.store.list_customers(&filter).await.map_err(&err)?;
            if json {
                return print_json(&page);
            }
            for s in &page.items {
                print_summary(ctx, s);
            }
            let pages = (page.total + page.per_page - 1) / page.per_page.max(1);
            println!(
                "{}",
                match ctx.lang {
                    Lang::ZhCn => format!("共 {} 位客户，第 {}/{} 页", page.total, page.page, pages.max(1)),
                    Lang::En => format!("{} customers, page {} of {}", page.total, page.page, pages.max(1)),
                }
            );
        }
        CustomerCommand::Delete { id } => {
            ctx.store.delete_customer(ctx.actor, id).await.map_err(&err)?;
            println!(
                "{} #{id} {}",
                ctx.t("已将客户", "moved customer"),
                ctx.t(
                    "移入回收站（guanxi customer restore 可恢复）",
                    "to the recycle bin (guanxi customer restore brings it back)"
                )
            );
        }
        CustomerCommand::Restore { id } => {
            ctx.store.restore_customer(ctx.actor, id).await.map_err(&err)?;
            println!("{} #{id}", ctx.t("已恢复客户", "restored customer"));
        }
        CustomerCommand::History { id, json } => {
            let entries = ctx.store.history(id).await.map_err(&err)?;
            if json {
                return print_json(&entries);
            }
            if entries.is_empty() {
                ctx.store.customer(id).await.map_err(&err)?;
            }
            for e in entries {
                println!(
                    "{}  {:<8} {:<10} {}{}",
                    cst(e.at),
                    e.actor,
                    e.action,
                    e.entity,
                    e.entity_id.map(|i| format!(" #{i}")).unwrap_or_default()
                );
                if let Some(note) = &e.note {
                    println!("      {note}");
                }
                print_diff(e.before.as_ref(), e.after.as_ref());
            }
        }
    }
    Ok(())
}

/// Shows which fields an audit entry changed.
fn print_diff(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) {
    let empty = serde_json::Map::new();
    let b = before.and_then(|v| v.as_object()).unwrap_or(&empty);
    let a = after.and_then(|v| v.as_object()).unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (x, y) = (b.get(k), a.get(k));
        if x != y {
            let show = |v: Option<&serde_json::Value>| match v {
                None => "∅".to_string(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            println!("      {k}: {} → {}", show(x), show(y));
        }
    }
}

fn print_summary(ctx: &Ctx, s: &CustomerSummary) {
    let extra: Vec<String> = [
        s.company.clone(),
        s.phone.clone(),
        s.email.clone(),
        s.city.clone(),
        s.owner.as_ref().map(|o| format!("@{o}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    println!("#{:<7} {} [{}] {}", s.id, s.name, s.kind.label(ctx.lang), extra.join(" · "));
}

fn line(lang: Lang, label: &str, value: Option<String>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        println!("  {label}{}{v}", lang.pick("：", ": "));
    }
}

async fn show(ctx: &Ctx, id: i64, json: bool) -> Result<()> {
    let err = store_err(ctx.lang);
    let c = ctx.store.customer(id).await.map_err(&err)?;
    let people = ctx.store.key_people(id).await.map_err(&err)?;
    let around = ctx.store.people_around(id).await.map_err(&err)?;
    let contacts = ctx.store.interactions(id).await.map_err(&err)?;
    if json {
        return print_json(&serde_json::json!({
            "customer": c, "key_people": people, "people_around": around, "interactions": contacts,
        }));
    }
    let l = ctx.lang;
    let d = &c.draft;
    let mut head = format!("#{} {} · {} · {}", c.id, d.name, d.kind.label(l), d.status.label(l));
    if let Some(o) = &d.owner {
        head.push_str(&format!(" · {} {o}", ctx.t("负责人", "owner")));
    }
    if c.deleted_at.is_some() {
        head.push_str(ctx.t("  [回收站中]", "  [in the recycle bin]"));
    }
    println!("{head}");
    // The coffee-shop rule: preferences come first, where staff see them at once.
    if !d.preferences.is_empty() || d.preferences_note.is_some() {
        println!("★ {}{}{}", Field::Preferences.label(l), l.pick("：", ": "), format_preferences(&d.preferences));
        line(l, Field::PreferencesNote.label(l), d.preferences_note.clone());
    }
    for (f, v) in d.to_fields().0 {
        if f.is_one_of(&[
            Field::Name,
            Field::Kind,
            Field::Status,
            Field::Owner,
            Field::Preferences,
            Field::PreferencesNote,
        ]) {
            continue;
        }
        line(l, f.label(l), Some(f.display(&v, l)));
    }
    if !people.is_empty() {
        println!("{} ({})", Field::KeyPerson.label(l), people.len());
        for p in &people {
            let k = &p.draft;
            let bits: Vec<String> = [
                k.job_title.clone(),
                k.decision_role.map(|r| r.label(l).to_string()),
                k.attitude.map(|a| a.label(l).to_string()),
                k.phone.as_ref().map(|p| p.to_string()),
                (!k.preferences.is_empty()).then(|| format!("★ {}", format_preferences(&k.preferences))),
            ]
            .into_iter()
            .flatten()
            .collect();
            println!("  #{} {}  {}", p.id, k.name, bits.join(" · "));
        }
    }
    if !around.is_empty() {
        println!("{} ({})", ctx.t("周围人", "People around"), around.len());
        for p in &around {
            let of = p
                .key_person_id
                .and_then(|kp| people.iter().find(|x| x.id == kp))
                .map(|kp| format!(" {} {}", ctx.t("关于", "of"), kp.draft.name))
                .unwrap_or_default();
            let prefs = if p.draft.preferences.is_empty() {
                String::new()
            } else {
                format!("  ★ {}", format_preferences(&p.draft.preferences))
            };
            println!("  #{} {} ({}{of}){prefs}", p.id, p.draft.name, p.draft.relation.label(l));
        }
    }
    println!("{} ({})", ctx.t("互动记录", "Interactions"), contacts.len());
    let sep = l.pick("：", ": ");
    for i in &contacts {
        let d = &i.draft;
        println!("  {} {} {} — {}", cst(d.occurred_at), d.channel.label(l), d.direction.label(l), d.summary);
        if let Some(n) = &d.next_step {
            let on = d.next_step_on.map(|x| format!(" ({x})")).unwrap_or_default();
            println!("      {}{}{n}{on}", Field::NextStep.label(l), l.pick("：", ": "));
        }
        if !d.our_participants.is_empty() || !d.their_participants.is_empty() {
            println!(
                "      {}{sep}{}  {}{sep}{}",
                Field::OurParticipants.label(l),
                d.our_participants.join(", "),
                Field::TheirParticipants.label(l),
                d.their_participants.join(", ")
            );
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum PersonCommand {
    /// `guanxi person add 12 name=刘建国 job_title=采购总监 decision_role=决策者 attitude=支持`.
    Add { customer_id: i64, fields: Vec<String> },
    /// Remove a key person.
    Delete { id: i64 },
}

pub async fn person(ctx: &Ctx, c: PersonCommand) -> Result<()> {
    let err = store_err(ctx.lang);
    match c {
        PersonCommand::Add { customer_id, fields } => {
            let raw = parse_assignments(&fields, ctx.lang)?;
            let d = KeyPersonDraft::parse(&raw, today_in_china()).map_err(|v| UserError(v.message(ctx.lang)))?;
            let id = ctx.store.add_key_person(ctx.actor, customer_id, &d).await.map_err(&err)?;
            println!("{} #{id} {}", ctx.t("已添加关键人物", "added key person"), d.name);
        }
        PersonCommand::Delete { id } => {
            ctx.store.delete_key_person(ctx.actor, id).await.map_err(&err)?;
            println!("{} #{id}", ctx.t("已删除关键人物", "removed key person"));
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum AroundCommand {
    /// `guanxi around add 12 name=陈丽 relation=配偶 preferences="花: 百合" [--of KEY_PERSON_ID]`.
    Add {
        customer_id: i64,
        fields: Vec<String>,
        /// The key person they are around, instead of the customer.
        #[arg(long)]
        of: Option<i64>,
    },
    Delete {
        id: i64,
    },
}

pub async fn around(ctx: &Ctx, c: AroundCommand) -> Result<()> {
    let err = store_err(ctx.lang);
    match c {
        AroundCommand::Add { customer_id, fields, of } => {
            let raw = parse_assignments(&fields, ctx.lang)?;
            let d = PersonAroundDraft::parse(&raw, today_in_china()).map_err(|v| UserError(v.message(ctx.lang)))?;
            let id = ctx.store.add_person_around(ctx.actor, customer_id, of, &d).await.map_err(&err)?;
            println!("{} #{id} {}", ctx.t("已添加周围人", "added person around"), d.name);
        }
        AroundCommand::Delete { id } => {
            ctx.store.delete_person_around(ctx.actor, id).await.map_err(&err)?;
            println!("{} #{id}", ctx.t("已删除", "removed"));
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct LogArgs {
    customer_id: i64,
    /// channel=…, summary=…, occurred_at="2026-03-01 10:00", direction=…, next_step=…,
    /// next_step_on=…, our_participants=…, their_participants=…
    fields: Vec<String>,
}

pub async fn log(ctx: &Ctx, a: LogArgs) -> Result<()> {
    let raw = parse_assignments(&a.fields, ctx.lang)?;
    let d = InteractionDraft::parse(&raw, Utc::now(), 8).map_err(|v| UserError(v.message(ctx.lang)))?;
    let id = ctx.store.add_interaction(ctx.actor, a.customer_id, &d).await.map_err(store_err(ctx.lang))?;
    println!("{} #{id}", ctx.t("已记录互动", "logged interaction"));
    Ok(())
}

#[derive(Args)]
pub struct SearchArgs {
    /// 张, 张三, zhangsan, zs, a phone fragment, an e-mail, a company…
    query: Vec<String>,
    #[arg(long, default_value_t = 20)]
    limit: i64,
    #[arg(long)]
    json: bool,
}

pub async fn search(ctx: &Ctx, a: SearchArgs) -> Result<()> {
    let q = a.query.join(" ");
    let hits = ctx.store.search(&q, a.limit).await.map_err(store_err(ctx.lang))?;
    if a.json {
        return print_json(&hits);
    }
    if hits.is_empty() {
        println!("{}", ctx.t("没有找到匹配的客户", "no customer matches"));
    }
    for h in &hits {
        print_summary(ctx, h);
    }
    Ok(())
}

#[derive(Args)]
pub struct DedupeArgs {
    #[arg(long, default_value_t = 100)]
    limit: i64,
    #[arg(long)]
    json: bool,
    /// Mark a pair as not duplicates: `--dismiss 12 34`.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    dismiss: Option<Vec<i64>>,
}

pub async fn dedupe(ctx: &Ctx, a: DedupeArgs) -> Result<()> {
    let err = store_err(ctx.lang);
    if let Some(pair) = a.dismiss {
        ctx.store.dismiss_duplicate(ctx.actor, pair[0], pair[1]).await.map_err(&err)?;
        println!("{} #{} #{}", ctx.t("已标记为不是重复：", "marked as not duplicates:"), pair[0], pair[1]);
        return Ok(());
    }
    let pairs = ctx.store.duplicate_candidates(a.limit).await.map_err(&err)?;
    if a.json {
        let out: Vec<serde_json::Value> = pairs
            .iter()
            .map(|p| {
                serde_json::json!({
                    "a": p.a, "b": p.b,
                    "reasons": p.reasons.iter().map(|r| serde_json::json!({"code": r.code(), "label": r.label(ctx.lang)})).collect::<Vec<_>>(),
                })
            })
            .collect();
        return print_json(&out);
    }
    if pairs.is_empty() {
        println!("{}", ctx.t("没有发现疑似重复的客户", "no likely duplicates found"));
    }
    for p in &pairs {
        let reasons: Vec<&str> = p.reasons.iter().map(|r| r.label(ctx.lang)).collect();
        println!("{}", reasons.join(" + "));
        print_summary(ctx, &p.a);
        print_summary(ctx, &p.b);
        println!("  → guanxi merge {} {}    guanxi dedupe --dismiss {} {}", p.a.id, p.b.id, p.a.id, p.b.id);
    }
    Ok(())
}

pub async fn merge(ctx: &Ctx, keep: i64, drop: i64, take: &[String], different_kinds: bool) -> Result<()> {
    let mut from_drop = Vec::new();
    for name in take {
        let f = Field::parse(name).ok_or_else(|| {
            UserError(match ctx.lang {
                Lang::ZhCn => format!("--take：没有字段 “{name}”"),
                Lang::En => format!("--take: there is no field {name:?}"),
            })
        })?;
        from_drop.push(f);
    }
    let (a, b) = (
        ctx.store.customer(keep).await.map_err(store_err(ctx.lang))?,
        ctx.store.customer(drop).await.map_err(store_err(ctx.lang))?,
    );
    if a.draft.kind != b.draft.kind && !different_kinds {
        return Err(UserError(match ctx.lang {
            Lang::ZhCn => format!(
                "#{keep} 是{}，#{drop} 是{}：类型不同的记录合并后会丢失一方的档案；确实要合并请加 --different-kinds",
                a.draft.kind.label(ctx.lang),
                b.draft.kind.label(ctx.lang)
            ),
            Lang::En => format!(
                "#{keep} is {} and #{drop} {}: merging different kinds loses one side's profile; add --different-kinds to merge anyway",
                a.draft.kind.label(ctx.lang),
                b.draft.kind.label(ctx.lang)
            ),
        })
        .into());
    }
    let id = ctx.store.merge(ctx.actor, keep, drop, &from_drop).await.map_err(store_err(ctx.lang))?;
    match ctx.lang {
        Lang::ZhCn => println!("已将客户 #{drop} 合并到 #{keep}（合并编号 {id}，可用 guanxi unmerge {id} 撤销）"),
        Lang::En => println!("merged customer #{drop} into #{keep} (merge {id}; undo with guanxi unmerge {id})"),
    }
    Ok(())
}

pub async fn unmerge(ctx: &Ctx, merge_id: i64) -> Result<()> {
    ctx.store.unmerge(ctx.actor, merge_id).await.map_err(store_err(ctx.lang))?;
    println!("{} {merge_id}", ctx.t("已撤销合并", "undid merge"));
    Ok(())
}
