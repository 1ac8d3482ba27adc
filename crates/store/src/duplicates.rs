//! The `impl Store` of duplicates and merges (the SQL is in `ops/`).

use crate::*;

impl Store {
    pub async fn duplicate_candidates(&self, limit: i64) -> Result<Vec<DuplicatePair>, StoreError> {
        dispatch!(self, duplicate_candidates(limit))
    }

    pub async fn dismiss_duplicate(&self, actor: Actor, a: i64, b: i64) -> Result<(), StoreError> {
        dispatch!(self, dismiss_duplicate(actor, a, b))
    }

    /// Merges `drop` into `keep`; returns the merge id, which `unmerge` takes.
    /// Merges `drop` into `keep`; the kept customer's standing follows what moved.
    /// Live customers `draft` looks like (same phone, e-mail, or name and company), other than
    /// `except`: (id, name, why).
    pub async fn similar_customers(
        &self,
        draft: &guanxi_domain::CustomerDraft,
        except: Option<i64>,
    ) -> Result<Vec<(i64, String, guanxi_domain::dedupe::DuplicateReason)>, StoreError> {
        dispatch!(self, similar_customers(draft, except))
    }

    /// Merges `drop` into `keep` (see `ops::merge`); `from_drop` names the fields where
    /// `drop`'s value wins.
    pub async fn merge(
        &self,
        actor: Actor,
        keep: i64,
        drop: i64,
        from_drop: &[guanxi_domain::Field],
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, merge(actor, keep, drop, from_drop))?;
        self.standing(keep).await?;
        Ok(id)
    }

    /// Undoes a merge; both customers' standing follows.
    pub async fn unmerge(&self, actor: Actor, merge_id: i64) -> Result<(), StoreError> {
        dispatch!(self, unmerge(actor, merge_id))?;
        let m = self.merge_record(merge_id).await?;
        self.standing(m.kept_id).await?;
        self.standing(m.dropped_id).await.map(|_| ())
    }

    pub async fn merge_record(&self, id: i64) -> Result<MergeRecord, StoreError> {
        dispatch!(self, merge_record(id))
    }

    pub async fn merges(&self, customer_id: i64) -> Result<Vec<MergeRecord>, StoreError> {
        dispatch!(self, merges(customer_id))
    }
}
