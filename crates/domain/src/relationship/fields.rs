//! The relationship ladder's fields.

use crate::error::fields;

fields! {
    RelationshipStage = "relationship_stage", "关系阶段", "Relationship stage", [] => super::RelationshipStage;
    RelationshipLevel = "relationship_level", "关系层次", "Relationship level", [] => super::RelationshipLevel;
}
