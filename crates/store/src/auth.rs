//! The store's users, sign-in, sessions, API tokens, throttle, known devices, security events
//! and each user's saved views and uploads (SQL in `ops/auth.rs` and `ops/mod.rs`).

use crate::{
    Actor, ApiToken, AuditEntry, AuditFilter, NewUser, SavedView, SessionInfo, SessionPolicy, Store, StoreError,
    TokenScope, TokenUse, User,
};
use crate::{Db, pg, sqlite};
use chrono::{DateTime, Utc};
use guanxi_domain::throttle::Limit;

impl Store {
    pub async fn add_user(&self, actor: Actor, user: &NewUser) -> Result<User, StoreError> {
        dispatch!(self, add_user(actor, user))
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        dispatch!(self, users())
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        dispatch!(self, user_by_username(username))
    }

    /// Enables or disables a user; disabling ends their sessions and revokes their tokens.
    pub async fn set_user_active(&self, actor: Actor, username: &str, active: bool) -> Result<User, StoreError> {
        dispatch!(self, set_user_active(actor, username, active))
    }

    pub async fn user_by_id(&self, id: i64) -> Result<User, StoreError> {
        dispatch!(self, user_by_id(id))
    }

    /// The user who may sign in as `username` and their stored password hash (never `system`).
    pub async fn credentials(&self, username: &str) -> Result<Option<(User, Option<String>)>, StoreError> {
        dispatch!(self, credentials(username))
    }

    /// Stores a new password hash (Argon2id, made by the caller), ends the user's sessions and
    /// revokes their API tokens; `generated` makes the user change it at the next sign-in.
    pub async fn set_password_hash(
        &self,
        actor: Actor,
        user_id: i64,
        hash: &str,
        generated: bool,
    ) -> Result<(), StoreError> {
        dispatch!(self, set_password_hash(actor, user_id, hash, generated))
    }

    pub async fn set_user_lang(&self, user_id: i64, lang: guanxi_domain::Lang) -> Result<(), StoreError> {
        dispatch!(self, set_user_lang(user_id, lang))
    }

    pub async fn update_user(
        &self,
        actor: Actor,
        user_id: i64,
        display_name: &str,
        role: guanxi_domain::Role,
        team: Option<&str>,
    ) -> Result<User, StoreError> {
        dispatch!(self, update_user(actor, user_id, display_name, role, team))
    }

    // ----- sessions -----

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, create_session(token_hash, user_id, expires_at))
    }

    /// The session's user while it is neither idle past its expiry nor older than the policy's
    /// absolute lifetime.
    pub async fn session_user(
        &self,
        token_hash: &str,
        policy: SessionPolicy,
    ) -> Result<Option<SessionInfo>, StoreError> {
        dispatch!(self, session_user(token_hash, policy))
    }

    /// Slides a session's expiry (see `SessionPolicy`).
    pub async fn touch_session(&self, token_hash: &str, policy: SessionPolicy) -> Result<(), StoreError> {
        dispatch!(self, touch_session(token_hash, policy))
    }

    pub async fn reauthenticate_session(&self, token_hash: &str) -> Result<(), StoreError> {
        dispatch!(self, reauthenticate_session(token_hash))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        dispatch!(self, delete_session(token_hash))
    }

    // ----- the sign-in throttle and known devices -----

    /// Reserves a sign-in attempt on every key (all or none); `Err((until, started))` while one
    /// is blocked (`started`: this attempt started the block).
    pub async fn reserve_sign_in(
        &self,
        keys: &[(String, Limit)],
    ) -> Result<Result<(), (DateTime<Utc>, bool)>, StoreError> {
        dispatch!(self, reserve_sign_in(keys))
    }

    /// Gives a successful sign-in's attempt back; `forgive` keys forget their failures.
    pub async fn release_sign_in(&self, keys: &[String], forgive: &[String]) -> Result<(), StoreError> {
        dispatch!(self, release_sign_in(keys, forgive))
    }

    pub async fn add_known_device(&self, token_hash: &str, user_id: i64) -> Result<(), StoreError> {
        dispatch!(self, add_known_device(token_hash, user_id))
    }

    pub async fn is_known_device(&self, token_hash: &str, username: &str) -> Result<bool, StoreError> {
        dispatch!(self, is_known_device(token_hash, username))
    }

    // ----- security events and the audit log -----

    /// A sign-in, failure, block, sign-out or token use, with the client's address.
    #[allow(clippy::too_many_arguments)]
    pub async fn audit_event(
        &self,
        actor: Actor,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        note: Option<&str>,
        client: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, audit_event(actor, action, entity, entity_id, note, client))
    }

    /// The audit log, newest first, filtered by user, action, entity and period.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, audit_entries(filter))
    }

    // ----- API tokens -----

    #[allow(clippy::too_many_arguments)]
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        hint: &str,
        expires_at: DateTime<Utc>,
        scope: TokenScope,
    ) -> Result<ApiToken, StoreError> {
        dispatch!(self, create_api_token(user_id, name, token_hash, hint, expires_at, scope))
    }

    /// One user's tokens, or everyone's with `None` (admins).
    pub async fn api_tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
        dispatch!(self, api_tokens(user_id))
    }

    /// Revokes the caller's own token (`owner = Some(id)`) or anyone's (`None`, admins).
    pub async fn revoke_api_token(&self, actor: Actor, token_id: i64, owner: Option<i64>) -> Result<(), StoreError> {
        dispatch!(self, revoke_api_token(actor, token_id, owner))
    }

    /// The active user of a live token; writes nothing (see [`Store::touch_api_token`]).
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<(User, TokenUse)>, StoreError> {
        dispatch!(self, api_token_user(token_hash))
    }

    /// Records a token's use (the first of a day also in the audit log).
    pub async fn touch_api_token(&self, user_id: i64, token_id: i64, client: &str) -> Result<(), StoreError> {
        dispatch!(self, touch_api_token(user_id, token_id, client))
    }

    // ----- saved views and uploads -----

    pub async fn save_view(&self, user_id: i64, name: &str, query: &str) -> Result<SavedView, StoreError> {
        dispatch!(self, save_view(user_id, name, query))
    }

    pub async fn saved_views(&self, user_id: i64) -> Result<Vec<SavedView>, StoreError> {
        dispatch!(self, saved_views(user_id))
    }

    pub async fn delete_view(&self, user_id: i64, view_id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_view(user_id, view_id))
    }

    pub async fn save_upload(&self, user_id: i64, file_name: &str, content: &[u8]) -> Result<i64, StoreError> {
        dispatch!(self, save_upload(user_id, file_name, content))
    }

    pub async fn upload(&self, user_id: i64, id: i64) -> Result<(String, Vec<u8>), StoreError> {
        dispatch!(self, upload(user_id, id))
    }

    pub async fn delete_upload(&self, id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_upload(id))
    }
}
