//! Competitors (seed 001, lecture 3): who they are, their situation, our analysis, where they
//! are heading, their strategic intent, and how we steer them — six levels of understanding,
//! each with the evidence for it; and which customers talk to, try, sign with or use which
//! competitor (these feed the ten signs of a solid relationship).

pub mod fields;

use crate::enums::vocabulary;
use crate::raw::Raw;
use crate::values::{choice, parse_business_date, required_text, text};
use crate::{Field, Lang, Problem, Validation};
use chrono::NaiveDate;
use serde::Serialize;

vocabulary! {
    /// How far a customer has gone with a competitor.
    EngagementKind {
        Talking = "talking", "洽谈中", "Talking", ["洽谈"];
        Trial = "trial", "试用中", "On trial", ["试用"];
        Signed = "signed", "已签约", "Signed", ["签约"];
        Using = "using", "在用", "Using", ["使用中"];
    }
}

const MAX_TEXT: usize = 4000;

/// The six levels of understanding, as fields in order.
pub const LEVELS: [Field; 6] =
    [Field::CompetitorWho, Field::Situation, Field::Analysis, Field::Heading, Field::Intent, Field::Steer];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompetitorDraft {
    pub name: String,
    /// The six levels (`LEVELS`), each what we know so far.
    pub levels: [Option<String>; 6],
    pub evidence: Option<String>,
}

impl CompetitorDraft {
    pub fn parse(raw: &Raw) -> Result<CompetitorDraft, Validation> {
        let mut v = Validation::default();
        let name = v.take(required_text(Field::Name, raw.get(Field::Name), 100));
        let levels = LEVELS.map(|f| v.take(text(f, raw.get(f), MAX_TEXT)).flatten());
        let evidence = v.take(text(Field::Evidence, raw.get(Field::Evidence), MAX_TEXT)).flatten();
        match name {
            Some(name) if v.is_empty() => Ok(CompetitorDraft { name, levels, evidence }),
            _ => Err(v),
        }
    }

    pub fn to_fields(&self) -> Raw {
        let mut r = Raw::new().with(Field::Name, self.name.clone());
        for (f, l) in LEVELS.iter().zip(&self.levels) {
            if let Some(l) = l {
                r.set(*f, l.clone());
            }
        }
        if let Some(e) = &self.evidence {
            r.set(Field::Evidence, e.clone());
        }
        r
    }

    /// How many of the six levels are filled in.
    pub fn understood(&self) -> usize {
        self.levels.iter().filter(|l| l.is_some()).count()
    }
}

/// A customer's engagement with a competitor as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngagementDraft {
    pub competitor_id: i64,
    pub kind: EngagementKind,
    pub since: NaiveDate,
    pub note: Option<String>,
}

impl EngagementDraft {
    /// `competitor` (its number), `engagement`, `since` (default today; not later), `notes`.
    pub fn parse(raw: &Raw, today: NaiveDate) -> Result<EngagementDraft, Validation> {
        let mut v = Validation::default();
        let competitor_id = v.take(crate::parse_id(Field::Competitor, raw.get(Field::Competitor))).flatten();
        if competitor_id.is_none() && raw.get(Field::Competitor).trim().is_empty() {
            v.push(Field::Competitor, "", Problem::Required);
        }
        let kind = v
            .take(choice(
                Field::Engagement,
                raw.get(Field::Engagement),
                EngagementKind::parse,
                &EngagementKind::codes(),
            ))
            .flatten();
        if kind.is_none() && raw.get(Field::Engagement).trim().is_empty() {
            v.push(Field::Engagement, "", Problem::Required);
        }
        let since = v.take(parse_business_date(Field::Since, raw.get(Field::Since))).flatten().unwrap_or(today);
        if since > today {
            v.push(Field::Since, raw.get(Field::Since), Problem::DateInFuture);
        }
        let note = v.take(text(Field::Notes, raw.get(Field::Notes), MAX_TEXT)).flatten();
        match (competitor_id, kind) {
            (Some(competitor_id), Some(kind)) if v.is_empty() => {
                Ok(EngagementDraft { competitor_id, kind, since, note })
            }
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn competitors_and_engagements_are_validated() {
        let d = CompetitorDraft::parse(
            &Raw::new()
                .with(Field::Name, "鼎新科技")
                .with(Field::Intent, "三年内拿下华东市场")
                .with(Field::Evidence, "展会上的发言"),
        )
        .unwrap();
        assert_eq!((d.understood(), d.levels[4].as_deref()), (1, Some("三年内拿下华东市场")));
        assert_eq!(CompetitorDraft::parse(&d.to_fields()).unwrap(), d);
        assert_eq!(CompetitorDraft::parse(&Raw::new()).unwrap_err().0[0].field, Field::Name);

        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let e = EngagementDraft::parse(&Raw::new().with(Field::Competitor, "3").with(Field::Engagement, "试用"), today)
            .unwrap();
        assert_eq!((e.competitor_id, e.kind, e.since), (3, EngagementKind::Trial, today));
        let err = EngagementDraft::parse(
            &Raw::new().with(Field::Competitor, "x").with(Field::Engagement, "dating").with(Field::Since, "2027-01-01"),
            today,
        )
        .unwrap_err();
        let fields: Vec<Field> = err.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::Competitor, Field::Engagement, Field::Since]);
    }
}
