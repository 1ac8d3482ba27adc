//! Message templates: saved with their merge fields checked (by the draft), listed, changed.

use super::{Pool, Row, Tx, audit, corrupt, now};
use crate::{Actor, StoreError, TemplateRecord};
use guanxi_domain::cadences::TemplateDraft;
use guanxi_domain::outbox::MessageChannel;
use sqlx::Row as _;

pub(crate) fn template_from_row(r: &Row) -> Result<TemplateRecord, StoreError> {
    let channel: String = r.try_get("channel")?;
    Ok(TemplateRecord {
        id: r.try_get("id")?,
        draft: TemplateDraft {
            name: r.try_get("name")?,
            channel: MessageChannel::from_code(&channel).ok_or_else(|| corrupt("template channel", &channel))?,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
            provider_template: r.try_get("provider_template")?,
        },
        created_by: r.try_get("created_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn templates(pool: &Pool) -> Result<Vec<TemplateRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM message_templates ORDER BY name, id").fetch_all(pool).await?;
    rows.iter().map(template_from_row).collect()
}

pub async fn template(pool: &Pool, id: i64) -> Result<TemplateRecord, StoreError> {
    let row = sqlx::query("SELECT * FROM message_templates WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found("template", id))?;
    template_from_row(&row)
}

pub(crate) async fn insert_template(tx: &mut Tx<'_>, actor: Actor, d: &TemplateDraft) -> Result<i64, StoreError> {
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO message_templates (name, channel, subject, body, created_by, created_at, updated_at, \
         provider_template) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
    )
    .bind(&d.name)
    .bind(d.channel.code())
    .bind(&d.subject)
    .bind(&d.body)
    .bind(actor.0)
    .bind(at)
    .bind(&d.provider_template)
    .fetch_one(&mut **tx)
    .await?;
    audit(tx, actor, "create", "template", Some(id), None, None, Some(&super::fields_json(&d.to_fields())), None)
        .await?;
    Ok(id)
}

/// Saves a template (new when `id` is `None`); its merge fields were checked by its draft.
pub async fn save_template(
    pool: &Pool,
    actor: Actor,
    id: Option<i64>,
    d: &TemplateDraft,
) -> Result<TemplateRecord, StoreError> {
    let mut tx = super::begin(pool).await?;
    let id = match id {
        None => insert_template(&mut tx, actor, d).await?,
        Some(id) => {
            let n = sqlx::query(
                "UPDATE message_templates SET name = $1, channel = $2, subject = $3, body = $4, updated_at = $5, \
                 provider_template = $7 WHERE id = $6",
            )
            .bind(&d.name)
            .bind(d.channel.code())
            .bind(&d.subject)
            .bind(&d.body)
            .bind(now())
            .bind(id)
            .bind(&d.provider_template)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::not_found("template", id));
            }
            audit(
                &mut tx,
                actor,
                "update",
                "template",
                Some(id),
                None,
                None,
                Some(&super::fields_json(&d.to_fields())),
                None,
            )
            .await?;
            id
        }
    };
    tx.commit().await?;
    template(pool, id).await
}
