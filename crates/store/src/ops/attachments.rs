//! Files attached to opportunities (a proposal, a signed contract), with their limits.

use super::sales::{load, touch};
use super::{Pool, audit, now};
use crate::{Actor, StoreError};
use guanxi_domain::{Field, Problem, Validation};
use sqlx::Row as _;

/// The largest file an opportunity takes.
pub const MAX_ATTACHMENT_MB: u32 = 10;
/// The most files one deal keeps.
pub const MAX_ATTACHMENTS_PER_DEAL: i64 = 20;
/// The most megabytes of files one person keeps on deals.
pub const MAX_ATTACHMENT_MB_PER_USER: i64 = 500;

/// Attaches a file to an opportunity (open or closed: a signed contract comes after winning).
/// The name is required (at most 200 characters, no path); the file at most 10 MB and not empty.
pub async fn add_attachment(
    pool: &Pool,
    actor: Actor,
    id: i64,
    name: &str,
    content_type: &str,
    content: &[u8],
) -> Result<i64, StoreError> {
    let name = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let mut v = Validation::default();
    if name.is_empty() || content.is_empty() {
        v.push(Field::Attachment, name, Problem::Required);
    } else if name.chars().count() > 200 {
        v.push(Field::Attachment, name, Problem::TooLong { max: 200 });
    } else if name.chars().any(char::is_control) {
        v.push(Field::Attachment, name, Problem::InvalidCharacters);
    }
    if content.len() > MAX_ATTACHMENT_MB as usize * 1024 * 1024 {
        v.push(Field::Attachment, name, Problem::FileTooLarge { max_mb: MAX_ATTACHMENT_MB });
    }
    if !v.is_empty() {
        return Err(v.into());
    }
    let content_type = match content_type.trim() {
        t if t.is_empty() || t.len() > 100 => "application/octet-stream",
        t => t,
    };
    let mut tx = super::begin(pool).await?;
    let o = load(&mut tx, id).await?;
    // Limits per deal and per person (F-19): a file's size is checked above, before any of it
    // was kept; these are checked before it is stored.
    let row = sqlx::query("SELECT COUNT(*) FROM attachments WHERE opportunity_id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if row.try_get::<i64, _>(0)? >= MAX_ATTACHMENTS_PER_DEAL {
        v.push(Field::Attachment, name, Problem::TooMany { max: MAX_ATTACHMENTS_PER_DEAL as usize });
    }
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments WHERE created_by = $1 AND deleted_at IS NULL",
    )
    .bind(actor.0)
    .fetch_one(&mut *tx)
    .await?;
    if row.try_get::<i64, _>(0)? + content.len() as i64 > MAX_ATTACHMENT_MB_PER_USER * 1024 * 1024 {
        v.push(Field::Attachment, name, Problem::QuotaFull { max_mb: MAX_ATTACHMENT_MB_PER_USER as u32 });
    }
    if !v.is_empty() {
        return Err(v.into());
    }
    let at = now();
    let aid: i64 = sqlx::query(
        "INSERT INTO attachments (opportunity_id, name, content_type, size, content, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(name)
    .bind(content_type)
    .bind(content.len() as i64)
    .bind(content)
    .bind(actor.0)
    .bind(at)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    touch(&mut tx, id, at).await?;
    let after = serde_json::json!({ "name": name, "size": content.len(), "content_type": content_type });
    audit(&mut tx, actor, "create", "attachment", Some(aid), Some(o.customer_id), None, Some(&after), None).await?;
    tx.commit().await?;
    Ok(aid)
}

/// An opportunity's files, newest first (without their content).
pub async fn attachments(pool: &Pool, id: i64) -> Result<Vec<crate::AttachmentInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.id, a.opportunity_id, a.name, a.content_type, a.size, u.username, a.created_at FROM attachments a \
         JOIN users u ON u.id = a.created_by WHERE a.opportunity_id = $1 AND a.deleted_at IS NULL ORDER BY a.id DESC",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(crate::AttachmentInfo {
                id: r.try_get(0)?,
                opportunity_id: r.try_get(1)?,
                name: r.try_get(2)?,
                content_type: r.try_get(3)?,
                size: r.try_get(4)?,
                created_by: r.try_get(5)?,
                created_at: r.try_get(6)?,
            })
        })
        .collect()
}

/// One file of an opportunity with its content.
pub async fn attachment(pool: &Pool, id: i64, attachment: i64) -> Result<(crate::AttachmentInfo, Vec<u8>), StoreError> {
    let info = attachments(pool, id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment)
        .ok_or_else(|| StoreError::not_found("attachment", attachment))?;
    let content: Vec<u8> = sqlx::query("SELECT content FROM attachments WHERE id = $1")
        .bind(attachment)
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    Ok((info, content))
}

/// Removes a file from an opportunity (kept, marked deleted, as everything else).
pub async fn delete_attachment(pool: &Pool, actor: Actor, id: i64, attachment: i64) -> Result<(), StoreError> {
    let mut tx = super::begin(pool).await?;
    let o = load(&mut tx, id).await?;
    // A removed file's content goes at once (a deletion request under the PIPL means it); the
    // row stays for the history.
    let done = sqlx::query(
        "UPDATE attachments SET deleted_at = $1, content = $4, size = 0 \
         WHERE id = $2 AND opportunity_id = $3 AND deleted_at IS NULL",
    )
    .bind(now())
    .bind(attachment)
    .bind(id)
    .bind(Vec::<u8>::new())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::not_found("attachment", attachment));
    }
    audit(&mut tx, actor, "delete", "attachment", Some(attachment), Some(o.customer_id), None, None, None).await?;
    tx.commit().await?;
    Ok(())
}
