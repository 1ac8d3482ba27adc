//! Notifications 通知: written inside the transaction of what they tell of (a task given, a
//! customer given, the day's reminders), each once (a key), in the reader's language; and, when
//! the user wants that kind by e-mail and has an address, an e-mail in the outbox in the same
//! transaction. Read, marked read, and each user's choices.

use super::outbox_queue::enqueue_message_in;
use super::{Pool, Tx, audit, corrupt, now};
use crate::{Actor, Notification, StoreError};
use chrono::{DateTime, Utc};
use guanxi_domain::Lang;
use guanxi_domain::notifications::NotificationKind;
use guanxi_domain::outbox::{MessageChannel, MessageDraft, MessagePurpose};
use sqlx::Row as _;

/// Whether `user` wants `kind` by e-mail (their choice, else the kind's default).
async fn by_email(tx: &mut Tx<'_>, user: i64, kind: NotificationKind) -> Result<bool, StoreError> {
    let chosen: Option<bool> =
        sqlx::query_scalar("SELECT by_email FROM notification_prefs WHERE user_id = $1 AND kind = $2")
            .bind(user)
            .bind(kind.code())
            .fetch_optional(&mut **tx)
            .await?;
    Ok(chosen.unwrap_or_else(|| kind.by_email_unless_chosen()))
}

/// The name `actor` goes by, for "张伟 gave you …"; `None` for the system itself.
async fn actor_name(tx: &mut Tx<'_>, actor: Actor) -> Result<Option<String>, StoreError> {
    if actor == Actor::SYSTEM {
        return Ok(None);
    }
    Ok(sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(actor.0)
        .fetch_optional(&mut **tx)
        .await?)
}

/// Tells `assignee` that `actor` gave them task `task` (nothing when they gave it themselves).
pub(crate) async fn task_assigned_in(
    tx: &mut Tx<'_>,
    actor: Actor,
    assignee: i64,
    task: i64,
    title: &str,
    customer: Option<i64>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if assignee == actor.0 {
        return Ok(());
    }
    let by = actor_name(tx, actor).await?;
    let text = |lang: Lang| {
        let by = by.clone().unwrap_or_else(|| lang.pick("系统", "Guanxi").to_string());
        guanxi_domain::notifications::task_assigned(lang, &by, title)
    };
    let note = Note {
        kind: NotificationKind::TaskAssigned,
        title: &text,
        // To the task in her list (ticked or put off there), not its edit form.
        link: Some(format!("/tasks#task-{task}")),
        customer_id: customer,
        key: format!("task_assigned:{task}:{assignee}:{}", at.timestamp_micros()),
    };
    notify_in(tx, assignee, &note, at).await.map(|_| ())
}

/// Tells `owner` that `actor` gave them customer `customer` (nothing when it was themselves).
pub(crate) async fn customer_assigned_in(
    tx: &mut Tx<'_>,
    actor: Actor,
    owner: i64,
    customer: i64,
    name: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if owner == actor.0 {
        return Ok(());
    }
    let by = actor_name(tx, actor).await?;
    let text = |lang: Lang| {
        let by = by.clone().unwrap_or_else(|| lang.pick("系统", "Guanxi").to_string());
        guanxi_domain::notifications::customer_assigned(lang, &by, name)
    };
    let note = Note {
        kind: NotificationKind::CustomerAssigned,
        title: &text,
        link: Some(format!("/customers/{customer}")),
        customer_id: Some(customer),
        key: format!("customer_assigned:{customer}:{owner}:{}", at.timestamp_micros()),
    };
    notify_in(tx, owner, &note, at).await.map(|_| ())
}

/// What a notification says and where it leads.
pub(crate) struct Note<'a> {
    pub kind: NotificationKind,
    /// Its title in a language.
    pub title: &'a (dyn Fn(Lang) -> String + Send + Sync),
    pub link: Option<String>,
    pub customer_id: Option<i64>,
    /// The same key again writes nothing.
    pub key: String,
}

/// Tells `user` (an active one; nobody else) `note`, in their language; by e-mail too when they
/// want this kind so and have an address. Returns the notification's id when it is new.
pub(crate) async fn notify_in(
    tx: &mut Tx<'_>,
    user: i64,
    note: &Note<'_>,
    at: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT lang, email, display_name, active FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let (lang, email, name, active): (String, Option<String>, String, bool) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
    if !active || user == Actor::SYSTEM.0 {
        return Ok(None);
    }
    let lang = Lang::parse(&lang).unwrap_or(Lang::ZhCn);
    let title: String = (note.title)(lang).chars().take(300).collect();
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO notifications (user_id, kind, title, link, customer_id, idem_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idem_key) DO NOTHING RETURNING id",
    )
    .bind(user)
    .bind(note.kind.code())
    .bind(&title)
    .bind(&note.link)
    .bind(note.customer_id)
    .bind(&note.key)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else { return Ok(None) };
    if let Some(email) = email
        && by_email(tx, user, note.kind).await?
    {
        let base: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'public_url'")
            .fetch_optional(&mut **tx)
            .await?
            .and_then(|v: String| serde_json::from_str::<String>(&v).ok());
        let mut body = title.clone();
        // A link only where there is an address to put before it (a bare path opens nothing).
        if let (Some(link), Some(base)) = (&note.link, base) {
            let open = lang.pick("在关系系统中打开：", "Open in Guanxi: ");
            body.push_str(&format!("\n\n{open}{base}{link}\n"));
        }
        let d = MessageDraft {
            channel: MessageChannel::Email,
            purpose: MessagePurpose::Notice,
            customer_id: None,
            user_id: Some(user),
            recipient: email,
            recipient_name: name,
            subject: title,
            body,
            cause: "notification".into(),
            cause_id: Some(id),
            key: format!("notification:{id}"),
            not_before: None,
            template_ref: None,
            params: Vec::new(),
        };
        enqueue_message_in(tx, Actor::SYSTEM, &d, at).await?;
    }
    Ok(Some(id))
}

fn from_row(r: &super::Row) -> Result<Notification, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(Notification {
        id: r.try_get("id")?,
        kind: NotificationKind::from_code(&kind).ok_or_else(|| corrupt("notification kind", &kind))?,
        title: r.try_get("title")?,
        link: r.try_get("link")?,
        customer_id: r.try_get("customer_id")?,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
    })
}

/// A user's notifications, newest first, a page at a time; with how many there are and how many
/// are unread.
pub async fn notifications(
    pool: &Pool,
    user: i64,
    page: i64,
    per_page: i64,
) -> Result<(Vec<Notification>, i64, i64), StoreError> {
    let per_page = per_page.clamp(1, 200);
    let rows = sqlx::query("SELECT * FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3")
        .bind(user)
        .bind(per_page)
        .bind(super::offset(page, per_page))
        .fetch_all(pool)
        .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1").bind(user).fetch_one(pool).await?;
    let unread = unread_count(pool, user).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total, unread))
}

/// How many of a user's notifications are unread (the bell's number).
pub async fn unread_count(pool: &Pool, user: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user)
        .fetch_one(pool)
        .await?)
}

/// Marks one of `user`'s notifications read; returns it (another user's is not found).
pub async fn read_notification(pool: &Pool, user: i64, id: i64) -> Result<Notification, StoreError> {
    let mut tx = super::begin(pool).await?;
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL")
        .bind(now())
        .bind(id)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query("SELECT * FROM notifications WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("notification", id))?;
    tx.commit().await?;
    from_row(&row)
}

/// Marks all of `user`'s notifications read; how many were unread.
pub async fn read_all_notifications(pool: &Pool, user: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now())
        .bind(user)
        .execute(pool)
        .await?
        .rows_affected())
}

/// Each kind with whether `user` gets it by e-mail.
pub async fn notification_prefs(pool: &Pool, user: i64) -> Result<Vec<(NotificationKind, bool)>, StoreError> {
    let mut tx = pool.begin().await?;
    let mut out = Vec::new();
    for k in NotificationKind::ALL {
        out.push((*k, by_email(&mut tx, user, *k).await?));
    }
    tx.rollback().await?;
    Ok(out)
}

/// Saves `user`'s choices (every kind: those not listed are not by e-mail) and their e-mail
/// address and phone; audited.
pub async fn save_notification_prefs(
    pool: &Pool,
    user: i64,
    by_email: &[NotificationKind],
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    sqlx::query("DELETE FROM notification_prefs WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    for k in NotificationKind::ALL {
        sqlx::query("INSERT INTO notification_prefs (user_id, kind, by_email) VALUES ($1, $2, $3)")
            .bind(user)
            .bind(k.code())
            .bind(by_email.contains(k))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE users SET email = $1, phone = $2 WHERE id = $3")
        .bind(email)
        .bind(phone)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let by: Vec<&str> = by_email.iter().map(|k| k.code()).collect();
    let after = serde_json::json!({"email": email, "phone": phone, "by_email": by.join(",")});
    audit(&mut tx, Actor(user), "update", "notification_prefs", Some(user), None, None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(())
}

/// A user's e-mail address and phone, as they gave them.
pub async fn user_contact(pool: &Pool, user: i64) -> Result<(Option<String>, Option<String>), StoreError> {
    let row = sqlx::query("SELECT email, phone FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("user", user))?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}
