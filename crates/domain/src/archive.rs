//! The customer archive (客户档案): customers, their key people, the people around them and
//! every contact, as drafts that are validated as a whole from the fields a user typed.
//!
//! Forms, API bodies and import rows all arrive as field → text; [`Raw`] carries them and each
//! draft's `parse` reports every bad field at once. `to_fields` is the inverse, used for the
//! audit log's before/after, for exports, and for merges.

pub mod fields;

use crate::error::{Field, FieldError, Problem, Validation};
use crate::raw::Raw;
use crate::values::*;
use crate::{
    Attitude, Channel, Closeness, CreditRating, CustomerKind, CustomerPurpose, CustomerStatus, DecisionRole, Direction,
    Feedback, Gender, NeedsOrientation, OrgSize, Relation, Response,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// The most people on either side of one contact.
pub const MAX_PARTICIPANTS: usize = 50;

macro_rules! pick {
    ($v:ident, $raw:ident, $ty:ident, $field:expr) => {
        $v.take(choice($field, $raw.get($field), $ty::parse, &$ty::codes())).flatten()
    };
}

/// A birthday as typed: a date (2024-03-15, 2024年3月15日…) or a lunar one (农历1980-08-16,
/// 农历2023-闰02-10), which is kept by the lunar calendar. (day of birth, kept by the lunar
/// calendar).
fn birthday(v: &mut Validation, raw: &Raw, today: NaiveDate) -> (Option<NaiveDate>, bool) {
    let typed = raw.get(Field::Birthday);
    match crate::lunar::read(typed) {
        None => (v.take(parse_past_date(Field::Birthday, typed, today)).flatten(), false),
        Some(None) => {
            v.push(Field::Birthday, typed.trim(), Problem::InvalidLunarDate);
            (None, false)
        }
        Some(Some(day)) => match parse_past_date(Field::Birthday, &day.to_string(), today) {
            Ok(d) => (d, true),
            Err(mut e) => {
                e.value = typed.trim().to_string();
                v.0.push(e);
                (None, false)
            }
        },
    }
}

/// A birthday as it is written back: a lunar one as 农历YYYY-MM-DD.
fn birthday_text(day: Option<NaiveDate>, lunar: bool) -> Option<String> {
    let day = day?;
    Some(if lunar { crate::lunar::write(day).unwrap_or_else(|| day.to_string()) } else { day.to_string() })
}

fn opt_text(v: &mut Validation, raw: &Raw, field: Field, max: usize) -> Option<String> {
    v.take(text(field, raw.get(field), max)).flatten()
}

fn opt_phone(v: &mut Validation, raw: &Raw, field: Field) -> Option<Phone> {
    let s = raw.get(field);
    if s.trim().is_empty() {
        return None;
    }
    v.take(Phone::parse(s).map_err(|e| FieldError { field, ..e }))
}

fn opt_email(v: &mut Validation, raw: &Raw, field: Field) -> Option<Email> {
    let s = raw.get(field);
    if s.trim().is_empty() {
        return None;
    }
    v.take(Email::parse(s).map_err(|e| FieldError { field, ..e }))
}

fn prefs(v: &mut Validation, raw: &Raw) -> Vec<Preference> {
    v.take(parse_preferences(raw.get(Field::Preferences))).unwrap_or_default()
}

fn push_opt(out: &mut Vec<(Field, String)>, field: Field, value: Option<impl ToString>) {
    if let Some(value) = value {
        out.push((field, value.to_string()));
    }
}

fn code<T: Copy + std::fmt::Display>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

/// A customer as the user describes it, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerDraft {
    pub kind: CustomerKind,
    pub status: CustomerStatus,
    pub purpose: Option<CustomerPurpose>,
    pub needs_orientation: Option<NeedsOrientation>,
    pub name: String,
    pub source: Option<String>,
    /// Username of the owning user; the store checks it is a real, active user.
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub external_id: Option<String>,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub wechat: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub notes: Option<String>,
    pub preferences: Vec<Preference>,
    pub preferences_note: Option<String>,
    pub profile: Profile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Profile {
    Individual(IndividualProfile),
    Organization(OrganizationProfile),
}

/// Basic, family, career and psychology of a person (seed 003).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndividualProfile {
    pub gender: Option<Gender>,
    pub birthday: Option<NaiveDate>,
    /// The birthday is kept by the lunar calendar 农历 (`birthday` is still the day of birth).
    pub birthday_lunar: bool,
    pub family: Option<String>,
    pub employer: Option<String>,
    pub job_title: Option<String>,
    pub motives: Option<String>,
    pub personality: Option<String>,
    pub beliefs: Option<String>,
    pub attitudes: Option<String>,
    pub interests: Option<String>,
}

/// Basic, business and trading status of an organization (seed 003).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrganizationProfile {
    pub industry: Option<String>,
    pub founded_on: Option<NaiveDate>,
    pub size: Option<OrgSize>,
    pub sales_capacity: Option<String>,
    pub business_results: Option<String>,
    pub potential: Option<String>,
    pub prospects: Option<String>,
    pub trading_terms: Option<String>,
    pub credit_rating: Option<CreditRating>,
    pub closeness: Option<Closeness>,
}

const INDIVIDUAL_ONLY: &[Field] = &[
    Field::Gender,
    Field::Birthday,
    Field::Family,
    Field::JobTitle,
    Field::Motives,
    Field::Personality,
    Field::Beliefs,
    Field::Attitudes,
    Field::Interests,
];
const ORGANIZATION_ONLY: &[Field] = &[
    Field::Industry,
    Field::FoundedOn,
    Field::Size,
    Field::SalesCapacity,
    Field::BusinessResults,
    Field::Potential,
    Field::Prospects,
    Field::TradingTerms,
    Field::CreditRating,
    Field::Closeness,
];

impl CustomerDraft {
    /// Validates every field; `today` bounds birthdays and founding dates.
    pub fn parse(raw: &Raw, today: NaiveDate) -> Result<CustomerDraft, Validation> {
        let mut v = Validation::default();
        let kind = if raw.has(Field::Kind) {
            pick!(v, raw, CustomerKind, Field::Kind)
        } else if ORGANIZATION_ONLY.iter().any(|f| raw.has(*f)) {
            Some(CustomerKind::Organization)
        } else {
            Some(CustomerKind::Individual)
        };
        let status = pick!(v, raw, CustomerStatus, Field::Status).unwrap_or(CustomerStatus::Prospect);
        let purpose = pick!(v, raw, CustomerPurpose, Field::Purpose);
        let needs_orientation = pick!(v, raw, NeedsOrientation, Field::NeedsOrientation);
        // An organization sheet often has only a "公司" column: it is the name.
        let name_input = if raw.has(Field::Name) || kind != Some(CustomerKind::Organization) {
            raw.get(Field::Name)
        } else {
            raw.get(Field::Employer)
        };
        let name = v.take(required_text(Field::Name, name_input, 100));
        let source = opt_text(&mut v, raw, Field::Source, MAX_SHORT);
        let owner = opt_text(&mut v, raw, Field::Owner, 64);
        let tags = v.take(parse_tags(raw.get(Field::Tags))).unwrap_or_default();
        let external_id = opt_text(&mut v, raw, Field::ExternalId, 100);
        let phone = opt_phone(&mut v, raw, Field::Phone);
        let email = opt_email(&mut v, raw, Field::Email);
        let wechat = opt_text(&mut v, raw, Field::Wechat, 64);
        let address = opt_text(&mut v, raw, Field::Address, MAX_SHORT * 2);
        let city = opt_text(&mut v, raw, Field::City, 50);
        let notes = opt_text(&mut v, raw, Field::Notes, MAX_TEXT);
        let preferences = prefs(&mut v, raw);
        let preferences_note = opt_text(&mut v, raw, Field::PreferencesNote, MAX_TEXT);

        let profile = match kind {
            Some(CustomerKind::Individual) => {
                let birthday = birthday(&mut v, raw, today);
                for f in ORGANIZATION_ONLY {
                    if raw.has(*f) {
                        v.push(*f, raw.get(*f), Problem::OnlyForOrganizations);
                    }
                }
                Some(Profile::Individual(IndividualProfile {
                    gender: pick!(v, raw, Gender, Field::Gender),
                    birthday: birthday.0,
                    birthday_lunar: birthday.1,
                    family: opt_text(&mut v, raw, Field::Family, MAX_TEXT),
                    employer: opt_text(&mut v, raw, Field::Employer, MAX_SHORT),
                    job_title: opt_text(&mut v, raw, Field::JobTitle, 100),
                    motives: opt_text(&mut v, raw, Field::Motives, MAX_TEXT),
                    personality: opt_text(&mut v, raw, Field::Personality, MAX_TEXT),
                    beliefs: opt_text(&mut v, raw, Field::Beliefs, MAX_TEXT),
                    attitudes: opt_text(&mut v, raw, Field::Attitudes, MAX_TEXT),
                    interests: opt_text(&mut v, raw, Field::Interests, MAX_TEXT),
                }))
            }
            Some(CustomerKind::Organization) => {
                for f in INDIVIDUAL_ONLY {
                    if raw.has(*f) {
                        v.push(*f, raw.get(*f), Problem::OnlyForIndividuals);
                    }
                }
                Some(Profile::Organization(OrganizationProfile {
                    industry: opt_text(&mut v, raw, Field::Industry, 100),
                    founded_on: v.take(parse_past_date(Field::FoundedOn, raw.get(Field::FoundedOn), today)).flatten(),
                    size: pick!(v, raw, OrgSize, Field::Size),
                    sales_capacity: opt_text(&mut v, raw, Field::SalesCapacity, MAX_TEXT),
                    business_results: opt_text(&mut v, raw, Field::BusinessResults, MAX_TEXT),
                    potential: opt_text(&mut v, raw, Field::Potential, MAX_TEXT),
                    prospects: opt_text(&mut v, raw, Field::Prospects, MAX_TEXT),
                    trading_terms: opt_text(&mut v, raw, Field::TradingTerms, MAX_TEXT),
                    credit_rating: pick!(v, raw, CreditRating, Field::CreditRating),
                    closeness: pick!(v, raw, Closeness, Field::Closeness),
                }))
            }
            None => None,
        };
        match (kind, name, profile) {
            (Some(kind), Some(name), Some(profile)) if v.is_empty() => Ok(CustomerDraft {
                kind,
                status,
                purpose,
                needs_orientation,
                name,
                source,
                owner,
                tags,
                external_id,
                phone,
                email,
                wechat,
                address,
                city,
                notes,
                preferences,
                preferences_note,
                profile,
            }),
            _ => Err(v),
        }
    }

    /// Every non-empty field as canonical text; `parse(to_fields())` gives the draft back.
    pub fn to_fields(&self) -> Raw {
        let mut out = vec![
            (Field::Kind, self.kind.to_string()),
            (Field::Status, self.status.to_string()),
            (Field::Name, self.name.clone()),
        ];
        push_opt(&mut out, Field::Purpose, code(self.purpose));
        push_opt(&mut out, Field::NeedsOrientation, code(self.needs_orientation));
        push_opt(&mut out, Field::Source, self.source.as_ref());
        push_opt(&mut out, Field::Owner, self.owner.as_ref());
        if !self.tags.is_empty() {
            out.push((Field::Tags, self.tags.join(", ")));
        }
        push_opt(&mut out, Field::ExternalId, self.external_id.as_ref());
        push_opt(&mut out, Field::Phone, self.phone.as_ref());
        push_opt(&mut out, Field::Email, self.email.as_ref());
        push_opt(&mut out, Field::Wechat, self.wechat.as_ref());
        push_opt(&mut out, Field::Address, self.address.as_ref());
        push_opt(&mut out, Field::City, self.city.as_ref());
        push_opt(&mut out, Field::Notes, self.notes.as_ref());
        if !self.preferences.is_empty() {
            out.push((Field::Preferences, format_preferences(&self.preferences)));
        }
        push_opt(&mut out, Field::PreferencesNote, self.preferences_note.as_ref());
        match &self.profile {
            Profile::Individual(p) => {
                push_opt(&mut out, Field::Gender, code(p.gender));
                push_opt(&mut out, Field::Birthday, birthday_text(p.birthday, p.birthday_lunar));
                push_opt(&mut out, Field::Family, p.family.as_ref());
                push_opt(&mut out, Field::Employer, p.employer.as_ref());
                push_opt(&mut out, Field::JobTitle, p.job_title.as_ref());
                push_opt(&mut out, Field::Motives, p.motives.as_ref());
                push_opt(&mut out, Field::Personality, p.personality.as_ref());
                push_opt(&mut out, Field::Beliefs, p.beliefs.as_ref());
                push_opt(&mut out, Field::Attitudes, p.attitudes.as_ref());
                push_opt(&mut out, Field::Interests, p.interests.as_ref());
            }
            Profile::Organization(p) => {
                push_opt(&mut out, Field::Industry, p.industry.as_ref());
                push_opt(&mut out, Field::FoundedOn, p.founded_on);
                push_opt(&mut out, Field::Size, code(p.size));
                push_opt(&mut out, Field::SalesCapacity, p.sales_capacity.as_ref());
                push_opt(&mut out, Field::BusinessResults, p.business_results.as_ref());
                push_opt(&mut out, Field::Potential, p.potential.as_ref());
                push_opt(&mut out, Field::Prospects, p.prospects.as_ref());
                push_opt(&mut out, Field::TradingTerms, p.trading_terms.as_ref());
                push_opt(&mut out, Field::CreditRating, code(p.credit_rating));
                push_opt(&mut out, Field::Closeness, code(p.closeness));
            }
        }
        Raw(out)
    }

    /// Applies a partial change: fields present in `changes` replace the current ones (an
    /// empty value clears the field), the rest stay. Validation covers the result as a whole.
    pub fn apply(&self, changes: &Raw, today: NaiveDate) -> Result<CustomerDraft, Validation> {
        let mut raw = self.to_fields();
        if changes.has(Field::Kind) && changes.get(Field::Kind) != raw.get(Field::Kind) {
            // Changing kind drops the other kind's profile instead of failing on it.
            let keep_from = if CustomerKind::parse(changes.get(Field::Kind)) == Some(CustomerKind::Organization) {
                INDIVIDUAL_ONLY
            } else {
                ORGANIZATION_ONLY
            };
            raw.0.retain(|(f, _)| !keep_from.contains(f));
        }
        for (f, val) in &changes.0 {
            raw.set(*f, val.clone());
        }
        CustomerDraft::parse(&raw, today)
    }

    /// For a merge: fills this draft's empty fields from `other`, unions tags and preferences.
    /// Values already here always win.
    pub fn fill_from(&self, other: &CustomerDraft, today: NaiveDate) -> CustomerDraft {
        let mut raw = self.to_fields();
        for (f, val) in other.to_fields().0 {
            if f.is_one_of(&[Field::Tags, Field::Preferences, Field::Kind]) {
                continue;
            }
            let only_other_kind = match self.kind {
                CustomerKind::Individual => ORGANIZATION_ONLY.contains(&f),
                CustomerKind::Organization => INDIVIDUAL_ONLY.contains(&f),
            };
            if !only_other_kind && !raw.has(f) {
                raw.set(f, val);
            }
        }
        let mut merged = CustomerDraft::parse(&raw, today).unwrap_or_else(|_| self.clone());
        for t in &other.tags {
            if !merged.tags.contains(t) {
                merged.tags.push(t.clone());
            }
        }
        for p in &other.preferences {
            if !merged.preferences.contains(p) {
                merged.preferences.push(p.clone());
            }
        }
        merged
    }

    pub fn individual(&self) -> Option<&IndividualProfile> {
        match &self.profile {
            Profile::Individual(p) => Some(p),
            Profile::Organization(_) => None,
        }
    }

    pub fn organization(&self) -> Option<&OrganizationProfile> {
        match &self.profile {
            Profile::Organization(p) => Some(p),
            Profile::Individual(_) => None,
        }
    }

    /// The company an individual works for, or the organization's own name.
    pub fn company(&self) -> Option<&str> {
        match &self.profile {
            Profile::Individual(p) => p.employer.as_deref(),
            Profile::Organization(_) => Some(&self.name),
        }
    }
}

/// One validated row of an import file.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The row's number as a spreadsheet shows it (the header is row 1).
    pub line: usize,
    /// The Guanxi id from an export of ours: the row updates that customer.
    pub id: Option<i64>,
    pub draft: CustomerDraft,
    /// Whether the file gave the kind / status; if not, a matched customer keeps its own.
    pub kind_given: bool,
    pub status_given: bool,
    /// The user chose to add the row as a new customer even though it matches a stored one.
    pub force_new: bool,
    /// What writing the draft as a new customer needs, when computed ahead (on the thread that
    /// checks rows, while the previous batch is written).
    pub prepared: Option<Prepared>,
}

/// What the store writes for a new customer besides the draft's own values: derived, so that
/// an import can compute it ahead on another core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The search keys (see `search::customer_keys`; a new customer has no key people yet).
    pub keys: crate::search::SearchText,
    /// The name's most likely pinyin (`search::name_pinyin`), kept for finding duplicates.
    pub name_pinyin: String,
    /// The structured preferences as stored: a JSON array.
    pub preferences_json: String,
    /// The draft's fields as the audit log keeps them ([`Raw::to_json`] of `to_fields`).
    pub fields_json: String,
}

impl Prepared {
    pub fn of(draft: &CustomerDraft) -> Prepared {
        Prepared {
            keys: crate::search::customer_keys(draft, &[]).texts(),
            name_pinyin: crate::search::name_pinyin(&draft.name),
            preferences_json: preferences_json(&draft.preferences),
            fields_json: draft.to_fields().to_json(),
        }
    }
}

/// Structured preferences as the store keeps them: a JSON array of category and content.
pub fn preferences_json(preferences: &[Preference]) -> String {
    serde_json::to_string(preferences).unwrap_or_else(|_| "[]".into())
}

/// A person at an organization who matters to the sale, with their part in the decision chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyPersonDraft {
    pub name: String,
    pub gender: Option<Gender>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub decision_role: Option<DecisionRole>,
    pub attitude: Option<Attitude>,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub wechat: Option<String>,
    pub birthday: Option<NaiveDate>,
    /// The birthday is kept by the lunar calendar 农历 (`birthday` is still the day of birth).
    pub birthday_lunar: bool,
    pub personality: Option<String>,
    pub interests: Option<String>,
    pub preferences: Vec<Preference>,
    pub preferences_note: Option<String>,
    pub notes: Option<String>,
}

impl KeyPersonDraft {
    pub fn parse(raw: &Raw, today: NaiveDate) -> Result<KeyPersonDraft, Validation> {
        let mut v = Validation::default();
        let name = v.take(required_text(Field::Name, raw.get(Field::Name), 100));
        let birthday = birthday(&mut v, raw, today);
        let draft = KeyPersonDraft {
            name: name.clone().unwrap_or_default(),
            gender: pick!(v, raw, Gender, Field::Gender),
            job_title: opt_text(&mut v, raw, Field::JobTitle, 100),
            department: opt_text(&mut v, raw, Field::Department, 100),
            decision_role: pick!(v, raw, DecisionRole, Field::DecisionRole),
            attitude: pick!(v, raw, Attitude, Field::Attitude),
            phone: opt_phone(&mut v, raw, Field::Phone),
            email: opt_email(&mut v, raw, Field::Email),
            wechat: opt_text(&mut v, raw, Field::Wechat, 64),
            birthday: birthday.0,
            birthday_lunar: birthday.1,
            personality: opt_text(&mut v, raw, Field::Personality, MAX_TEXT),
            interests: opt_text(&mut v, raw, Field::Interests, MAX_TEXT),
            preferences: prefs(&mut v, raw),
            preferences_note: opt_text(&mut v, raw, Field::PreferencesNote, MAX_TEXT),
            notes: opt_text(&mut v, raw, Field::Notes, MAX_TEXT),
        };
        v.into_result(draft)
    }

    pub fn to_fields(&self) -> Raw {
        let mut out = vec![(Field::Name, self.name.clone())];
        push_opt(&mut out, Field::Gender, code(self.gender));
        push_opt(&mut out, Field::JobTitle, self.job_title.as_ref());
        push_opt(&mut out, Field::Department, self.department.as_ref());
        push_opt(&mut out, Field::DecisionRole, code(self.decision_role));
        push_opt(&mut out, Field::Attitude, code(self.attitude));
        push_opt(&mut out, Field::Phone, self.phone.as_ref());
        push_opt(&mut out, Field::Email, self.email.as_ref());
        push_opt(&mut out, Field::Wechat, self.wechat.as_ref());
        push_opt(&mut out, Field::Birthday, birthday_text(self.birthday, self.birthday_lunar));
        push_opt(&mut out, Field::Personality, self.personality.as_ref());
        push_opt(&mut out, Field::Interests, self.interests.as_ref());
        if !self.preferences.is_empty() {
            out.push((Field::Preferences, format_preferences(&self.preferences)));
        }
        push_opt(&mut out, Field::PreferencesNote, self.preferences_note.as_ref());
        push_opt(&mut out, Field::Notes, self.notes.as_ref());
        Raw(out)
    }
}

/// Someone around a customer or a key person (周围人): family, friends, superiors — with
/// their own preferences, because "投其周围人所好".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonAroundDraft {
    pub name: String,
    pub relation: Relation,
    pub phone: Option<Phone>,
    pub birthday: Option<NaiveDate>,
    /// The birthday is kept by the lunar calendar 农历 (`birthday` is still the day of birth).
    pub birthday_lunar: bool,
    pub interests: Option<String>,
    pub preferences: Vec<Preference>,
    pub preferences_note: Option<String>,
    pub notes: Option<String>,
}

impl PersonAroundDraft {
    pub fn parse(raw: &Raw, today: NaiveDate) -> Result<PersonAroundDraft, Validation> {
        let mut v = Validation::default();
        let name = v.take(required_text(Field::Name, raw.get(Field::Name), 100));
        let relation = pick!(v, raw, Relation, Field::Relation);
        if !raw.has(Field::Relation) {
            v.push(Field::Relation, "", Problem::Required);
        }
        let birthday = birthday(&mut v, raw, today);
        let draft = PersonAroundDraft {
            name: name.unwrap_or_default(),
            relation: relation.unwrap_or(Relation::Other),
            phone: opt_phone(&mut v, raw, Field::Phone),
            birthday: birthday.0,
            birthday_lunar: birthday.1,
            interests: opt_text(&mut v, raw, Field::Interests, MAX_TEXT),
            preferences: prefs(&mut v, raw),
            preferences_note: opt_text(&mut v, raw, Field::PreferencesNote, MAX_TEXT),
            notes: opt_text(&mut v, raw, Field::Notes, MAX_TEXT),
        };
        v.into_result(draft)
    }

    pub fn to_fields(&self) -> Raw {
        let mut out = vec![(Field::Name, self.name.clone()), (Field::Relation, self.relation.to_string())];
        push_opt(&mut out, Field::Phone, self.phone.as_ref());
        push_opt(&mut out, Field::Birthday, birthday_text(self.birthday, self.birthday_lunar));
        push_opt(&mut out, Field::Interests, self.interests.as_ref());
        if !self.preferences.is_empty() {
            out.push((Field::Preferences, format_preferences(&self.preferences)));
        }
        push_opt(&mut out, Field::PreferencesNote, self.preferences_note.as_ref());
        push_opt(&mut out, Field::Notes, self.notes.as_ref());
        Raw(out)
    }
}

/// One contact with a customer (seed 003): how, which way, who took part, what was said,
/// and what happens next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InteractionDraft {
    pub channel: Channel,
    pub direction: Direction,
    pub occurred_at: DateTime<Utc>,
    pub summary: String,
    pub next_step: Option<String>,
    pub next_step_on: Option<NaiveDate>,
    /// Usernames of our people who took part; the store checks them.
    pub our_participants: Vec<String>,
    /// Names of the customer's people who took part (key people are matched by name).
    pub their_participants: Vec<String>,
    pub place: Option<String>,
    /// The opportunity the contact was for (the store checks it is this customer's).
    pub opportunity_id: Option<i64>,
    /// For a contact we started: did the customer respond.
    pub response: Option<Response>,
    /// Criticism, a complaint or praise the contact carried.
    pub feedback: Option<Feedback>,
}

impl InteractionDraft {
    /// A contact that is just a message one way (an e-mail sent, an SMS reply), nothing more.
    pub fn message(
        channel: Channel,
        direction: Direction,
        occurred_at: DateTime<Utc>,
        summary: String,
    ) -> InteractionDraft {
        InteractionDraft {
            channel,
            direction,
            occurred_at,
            summary,
            next_step: None,
            next_step_on: None,
            our_participants: Vec::new(),
            their_participants: Vec::new(),
            place: None,
            opportunity_id: None,
            response: None,
            feedback: None,
        }
    }

    /// `occurred_at` accepts RFC 3339 or `YYYY-MM-DD HH:MM` in `offset_hours` (China: +8);
    /// a bare date means noon that day (see [`parse_past_timestamp`]). Contacts cannot be logged in
    /// the future.
    pub fn parse(raw: &Raw, now: DateTime<Utc>, offset_hours: i32) -> Result<InteractionDraft, Validation> {
        let mut v = Validation::default();
        let channel = pick!(v, raw, Channel, Field::Channel);
        if !raw.has(Field::Channel) {
            v.push(Field::Channel, "", Problem::Required);
        }
        let direction = pick!(v, raw, Direction, Field::Direction).unwrap_or(Direction::Outbound);
        let occurred_at = if raw.has(Field::OccurredAt) {
            v.take(parse_past_timestamp(Field::OccurredAt, raw.get(Field::OccurredAt), offset_hours, now))
        } else {
            Some(now)
        };
        let summary = v.take(required_text(Field::Summary, raw.get(Field::Summary), MAX_TEXT));
        let next_step = opt_text(&mut v, raw, Field::NextStep, MAX_TEXT);
        let next_step_on =
            v.take(crate::values::parse_business_date(Field::NextStepOn, raw.get(Field::NextStepOn))).flatten();
        let names = |field: Field, v: &mut Validation| -> Vec<String> {
            v.take(crate::values::parse_list(field, raw.get(field), 100, MAX_PARTICIPANTS)).unwrap_or_default()
        };
        let our_participants = names(Field::OurParticipants, &mut v);
        let their_participants = names(Field::TheirParticipants, &mut v);
        let place = opt_text(&mut v, raw, Field::Place, 200);
        let opportunity_id = v.take(parse_id(Field::Opportunity, raw.get(Field::Opportunity))).flatten();
        let response = pick!(v, raw, Response, Field::Response);
        if response.is_some() && direction == Direction::Inbound {
            v.push(Field::Response, raw.get(Field::Response), Problem::OnlyForOutbound);
        }
        let feedback = pick!(v, raw, Feedback, Field::Feedback);
        match (channel, occurred_at, summary) {
            (Some(channel), Some(occurred_at), Some(summary)) if v.is_empty() => Ok(InteractionDraft {
                channel,
                direction,
                occurred_at,
                summary,
                next_step,
                next_step_on,
                our_participants,
                their_participants,
                place,
                opportunity_id,
                response,
                feedback,
            }),
            _ => Err(v),
        }
    }
}

/// A record's number as typed (`12`, ` 12 `); empty is `None`.
pub fn parse_id(field: Field, input: &str) -> Result<Option<i64>, FieldError> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(FieldError::new(field, t, Problem::InvalidNumber)),
    }
}

/// Parses a moment: RFC 3339, or a local `YYYY-MM-DD[ HH:MM[:SS]]` at `offset_hours` from UTC;
/// a bare date means noon that day.
pub fn parse_timestamp(field: Field, input: &str, offset_hours: i32) -> Result<DateTime<Utc>, FieldError> {
    parse_moment(field, input, offset_hours).map(|(at, _)| at)
}

/// A moment that has already happened (an order, a contact), parsed as [`parse_timestamp`]. A
/// bare date of the local today means noon — or now, while noon has not come yet, so that a
/// morning's order typed as "today" is accepted; anything later than now, beyond five minutes'
/// clock difference, is in the future.
pub fn parse_past_timestamp(
    field: Field,
    input: &str,
    offset_hours: i32,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, FieldError> {
    let (at, bare_date) = parse_moment(field, input, offset_hours)?;
    let local_day = |t: DateTime<Utc>| (t + chrono::Duration::hours(offset_hours.into())).date_naive();
    if bare_date && at > now && local_day(at) == local_day(now) {
        return Ok(now);
    }
    if at > now + chrono::Duration::minutes(5) {
        return Err(FieldError::new(field, input.trim(), Problem::DateInFuture));
    }
    Ok(at)
}

/// The moment and whether it was given as a bare date.
fn parse_moment(field: Field, input: &str, offset_hours: i32) -> Result<(DateTime<Utc>, bool), FieldError> {
    let t = input.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok((dt.with_timezone(&Utc), false));
    }
    let err = || FieldError::new(field, t, Problem::InvalidDate);
    let offset = chrono::FixedOffset::east_opt(offset_hours * 3600).ok_or_else(err)?;
    let (day, time) = match t.split_once([' ', 'T']) {
        Some((d, tm)) => (d, Some(tm.trim())),
        None => (t, None),
    };
    let date = parse_date(field, day)?.ok_or_else(err)?;
    let bare_date = matches!(time, None | Some(""));
    let time = match time {
        None | Some("") => chrono::NaiveTime::from_hms_opt(12, 0, 0).ok_or_else(err)?,
        Some(tm) => chrono::NaiveTime::parse_from_str(tm, "%H:%M:%S")
            .or_else(|_| chrono::NaiveTime::parse_from_str(tm, "%H:%M"))
            .map_err(|_| err())?,
    };
    let at = date.and_time(time).and_local_timezone(offset).single().map(|d| d.with_timezone(&Utc)).ok_or_else(err)?;
    Ok((at, bare_date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    #[test]
    fn coffee_shop_regular() {
        let raw = Raw::new()
            .with(Field::Name, "王芳")
            .with(Field::Phone, "139 1111 2222")
            .with(Field::Preferences, "座位: 角落; 靠垫: 腰靠; 饮品: 冰摩卡，两块糖，两块冰")
            .with(Field::Birthday, "1990年5月3日")
            .with(Field::Tags, "常客");
        let d = CustomerDraft::parse(&raw, today()).unwrap();
        assert_eq!(d.kind, CustomerKind::Individual);
        assert_eq!(d.status, CustomerStatus::Prospect);
        assert_eq!(d.preferences.len(), 3);
        assert_eq!(d.individual().unwrap().birthday, NaiveDate::from_ymd_opt(1990, 5, 3));
        assert_eq!(CustomerDraft::parse(&d.to_fields(), today()).unwrap(), d);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let raw = Raw::new()
            .with(Field::Kind, "alien")
            .with(Field::Phone, "123")
            .with(Field::Email, "nope")
            .with(Field::Status, "maybe");
        let e = CustomerDraft::parse(&raw, today()).unwrap_err();
        let fields: Vec<Field> = e.0.iter().map(|f| f.field).collect();
        assert!(fields.contains(&Field::Kind));
        assert!(fields.contains(&Field::Phone));
        assert!(fields.contains(&Field::Email));
        assert!(fields.contains(&Field::Status));
        assert!(fields.contains(&Field::Name));
    }

    #[test]
    fn organization_fields_on_an_individual_are_rejected() {
        let raw = Raw::new().with(Field::Kind, "个人").with(Field::Name, "李四").with(Field::Industry, "通信");
        let e = CustomerDraft::parse(&raw, today()).unwrap_err();
        assert_eq!(e.0[0].problem, Problem::OnlyForOrganizations);
    }

    #[test]
    fn organization_name_from_company_column() {
        let raw = Raw::new()
            .with(Field::Kind, "企业")
            .with(Field::Employer, "华为技术有限公司")
            .with(Field::Industry, "通信");
        let d = CustomerDraft::parse(&raw, today()).unwrap();
        assert_eq!(d.name, "华为技术有限公司");
        assert_eq!(d.organization().unwrap().industry.as_deref(), Some("通信"));
    }

    #[test]
    fn apply_changes_and_clears() {
        let d = CustomerDraft::parse(&Raw::new().with(Field::Name, "张三").with(Field::City, "北京"), today()).unwrap();
        let changed = d.apply(&Raw::new().with(Field::City, "").with(Field::Phone, "13800000000"), today()).unwrap();
        assert_eq!(changed.city, None);
        assert_eq!(changed.phone.unwrap().as_str(), "13800000000");
        let org = d.apply(&Raw::new().with(Field::Kind, "organization"), today()).unwrap();
        assert_eq!(org.kind, CustomerKind::Organization);
    }

    #[test]
    fn fill_from_keeps_own_values() {
        let a = CustomerDraft::parse(
            &Raw::new().with(Field::Name, "张三").with(Field::City, "北京").with(Field::Tags, "VIP"),
            today(),
        )
        .unwrap();
        let b = CustomerDraft::parse(
            &Raw::new()
                .with(Field::Name, "张叁")
                .with(Field::City, "上海")
                .with(Field::Email, "zs@qq.com")
                .with(Field::Tags, "老客户"),
            today(),
        )
        .unwrap();
        let m = a.fill_from(&b, today());
        assert_eq!(m.name, "张三");
        assert_eq!(m.city.as_deref(), Some("北京"));
        assert_eq!(m.email.unwrap().as_str(), "zs@qq.com");
        assert_eq!(m.tags, vec!["VIP", "老客户"]);
    }

    #[test]
    fn a_past_moment_typed_as_today_is_accepted_at_any_hour() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let past = |input: &str, now| parse_past_timestamp(Field::OrderedAt, input, 8, now);
        // 01:00 on the 24th in China is 17:00 on the 23rd in UTC: "today" is the 24th, and its
        // noon has not come yet, so the moment is now.
        let night = at("2026-11-23T17:00:00Z");
        assert_eq!(past("2026-11-24", night).unwrap(), night);
        assert_eq!(past("2026-11-23", night).unwrap(), at("2026-11-23T04:00:00Z"));
        assert_eq!(past("2026-11-25", night).unwrap_err().problem, Problem::DateInFuture);
        assert_eq!(past("2026-11-24 09:00", night).unwrap_err().problem, Problem::DateInFuture);
        assert_eq!(past("2026-11-24 01:04", night).unwrap(), at("2026-11-23T17:04:00Z"), "clock slack");
        // After noon a bare today is noon, as before.
        let afternoon = at("2026-11-24T07:00:00Z");
        assert_eq!(past("2026-11-24", afternoon).unwrap(), at("2026-11-24T04:00:00Z"));
        assert_eq!(past("not a day", afternoon).unwrap_err().problem, Problem::InvalidDate);
        let contact =
            Raw::new().with(Field::Channel, "phone").with(Field::Summary, "x").with(Field::OccurredAt, "2026-11-24");
        assert_eq!(InteractionDraft::parse(&contact, night, 8).unwrap().occurred_at, night);
    }

    #[test]
    fn fields_as_json_match_serde_json() {
        let raw = Raw::new()
            .with(Field::Notes, "说 \"老样子\"\\ \n\r\t\u{8}\u{c}\u{1}\u{1f} 😀 \u{7f}")
            .with(Field::Name, "张三")
            .with(Field::City, "")
            .with(Field::Name, "李四");
        let mut map = serde_json::Map::new();
        for (f, v) in &raw.0 {
            map.insert(f.code().to_string(), serde_json::Value::String(v.clone()));
        }
        assert_eq!(raw.to_json(), serde_json::Value::Object(map).to_string());
        assert_eq!(Raw::new().to_json(), "{}");
    }

    #[test]
    fn interactions() {
        let now = Utc::now();
        let raw = Raw::new()
            .with(Field::Channel, "面谈")
            .with(Field::Summary, "谈了新品")
            .with(Field::OccurredAt, "2024-03-15 14:30");
        let d = InteractionDraft::parse(&raw, now, 8).unwrap();
        assert_eq!(d.occurred_at.to_rfc3339(), "2024-03-15T06:30:00+00:00");
        let e = InteractionDraft::parse(&Raw::new().with(Field::Summary, "x"), now, 8).unwrap_err();
        assert_eq!(e.0[0].field, Field::Channel);
        let future =
            Raw::new().with(Field::Channel, "phone").with(Field::Summary, "x").with(Field::OccurredAt, "2999-01-01");
        assert!(InteractionDraft::parse(&future, now, 8).is_err());
    }

    #[test]
    fn key_people_and_people_around() {
        let kp = KeyPersonDraft::parse(
            &Raw::new().with(Field::Name, "刘总").with(Field::DecisionRole, "决策者").with(Field::Attitude, "支持"),
            today(),
        )
        .unwrap();
        assert_eq!(kp.decision_role, Some(DecisionRole::DecisionMaker));
        assert_eq!(kp.attitude, Some(Attitude::Supporter));
        let e = PersonAroundDraft::parse(&Raw::new().with(Field::Name, "刘太太"), today()).unwrap_err();
        assert_eq!(e.0[0].field, Field::Relation);
    }
}
