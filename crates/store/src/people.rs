//! The `impl Store` of key people, people around and contacts (the SQL is in `ops/`).

use crate::*;

impl Store {
    pub async fn add_key_person(
        &self,
        actor: Actor,
        customer_id: i64,
        draft: &guanxi_domain::KeyPersonDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_key_person(actor, customer_id, draft))
    }

    pub async fn update_key_person(
        &self,
        actor: Actor,
        id: i64,
        draft: &guanxi_domain::KeyPersonDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_key_person(actor, id, draft))
    }

    pub async fn delete_key_person(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_key_person(actor, id))
    }

    pub async fn key_people(&self, customer_id: i64) -> Result<Vec<KeyPersonRecord>, StoreError> {
        dispatch!(self, key_people(customer_id))
    }

    pub async fn add_person_around(
        &self,
        actor: Actor,
        customer_id: i64,
        key_person_id: Option<i64>,
        draft: &guanxi_domain::PersonAroundDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_person_around(actor, customer_id, key_person_id, draft))
    }

    pub async fn delete_person_around(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_person_around(actor, id))
    }

    pub async fn people_around(&self, customer_id: i64) -> Result<Vec<PersonAroundRecord>, StoreError> {
        dispatch!(self, people_around(customer_id))
    }

    /// Brings back a removed key person, person around or interaction.
    pub async fn restore_part(&self, actor: Actor, part: Part, id: i64) -> Result<(), StoreError> {
        dispatch!(self, restore_part(actor, part, id))
    }

    pub async fn update_person_around(
        &self,
        actor: Actor,
        id: i64,
        draft: &guanxi_domain::PersonAroundDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_person_around(actor, id, draft))
    }

    /// Corrects a logged interaction (its fields and participants).
    pub async fn update_interaction(
        &self,
        actor: Actor,
        id: i64,
        draft: &guanxi_domain::InteractionDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_interaction(actor, id, draft))
    }

    /// Removes a key person, person around or interaction.
    pub async fn delete_part(&self, actor: Actor, part: Part, id: i64) -> Result<(), StoreError> {
        match part {
            Part::KeyPerson => self.delete_key_person(actor, id).await,
            Part::PersonAround => self.delete_person_around(actor, id).await,
            Part::Interaction => self.delete_interaction(actor, id).await,
        }
    }

    /// The customer a key person, person around or interaction belongs to.
    pub async fn customer_of(&self, part: Part, id: i64) -> Result<Option<i64>, StoreError> {
        dispatch!(self, customer_of(part, id))
    }

    pub async fn add_interaction(
        &self,
        actor: Actor,
        customer_id: i64,
        draft: &guanxi_domain::InteractionDraft,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, add_interaction(actor, customer_id, draft))?;
        self.standing(customer_id).await?;
        Ok(id)
    }

    pub async fn delete_interaction(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_interaction(actor, id))
    }

    /// Newest first.
    pub async fn interactions(&self, customer_id: i64) -> Result<Vec<InteractionRecord>, StoreError> {
        dispatch!(self, interactions(customer_id))
    }
}
