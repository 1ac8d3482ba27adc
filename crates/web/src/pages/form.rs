//! Form inputs built from the domain's fields: the right kind of input for each field, its
//! label in the user's language, what the user typed, and the error next to it.

use crate::i18n::T;
use guanxi_domain::sales::{self, Stage};
use guanxi_domain::value::{Approach, Basis, ServiceLevel, TimeUnit};
use guanxi_domain::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    Text,
    Email,
    Tel,
    Date,
    DateTime,
    Time,
    TextArea,
    /// Typed unseen, never filled in from what is saved.
    Password,
    Select(Vec<(String, String)>),
    /// A tick for each of several people (value, label, ticked), and, where anyone else may be
    /// named, a box for them (its label, what it holds).
    Ticks(Vec<(String, String, bool)>, Option<(&'static str, String)>),
}

#[derive(Debug, Clone)]
pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub kind: InputKind,
    pub required: bool,
    pub hint: Option<&'static str>,
    /// Told apart from the same field elsewhere on the page (a cadence's third step: `3`).
    pub row: Option<usize>,
}

impl Input {
    pub fn is_select(&self) -> bool {
        matches!(self.kind, InputKind::Select(_))
    }

    pub fn is_textarea(&self) -> bool {
        self.kind == InputKind::TextArea
    }

    pub fn is_ticks(&self) -> bool {
        matches!(self.kind, InputKind::Ticks(..))
    }

    pub fn ticks(&self) -> &[(String, String, bool)] {
        match &self.kind {
            InputKind::Ticks(t, _) => t,
            _ => &[],
        }
    }

    /// The box for people not among the ticks, if the field has one: its label, what it holds.
    pub fn others(&self) -> Option<(&str, &str)> {
        match &self.kind {
            InputKind::Ticks(_, Some((label, value))) => Some((label, value.as_str())),
            _ => None,
        }
    }

    pub fn options(&self) -> &[(String, String)] {
        match &self.kind {
            InputKind::Select(o) => o,
            _ => &[],
        }
    }

    pub fn html_type(&self) -> &'static str {
        match self.kind {
            InputKind::Email => "email",
            InputKind::Tel => "tel",
            InputKind::Date => "date",
            InputKind::DateTime => "datetime-local",
            InputKind::Time => "time",
            InputKind::Password => "password",
            _ => "text",
        }
    }

    /// The element id of the input, and of its error (`err-…`) for aria-describedby.
    pub fn id(&self) -> String {
        match self.row {
            Some(n) => format!("f-{}-{n}", self.name),
            None => format!("f-{}", self.name),
        }
    }

    /// The id of its error message.
    pub fn err_id(&self) -> String {
        match self.row {
            Some(n) => format!("err-{}-{n}", self.name),
            None => format!("err-{}", self.name),
        }
    }
}

fn vocab<V: Copy + 'static>(
    all: &[V],
    code: fn(V) -> &'static str,
    label: fn(V, Lang) -> &'static str,
    lang: Lang,
) -> Vec<(String, String)> {
    all.iter().map(|v| (code(*v).to_string(), label(*v, lang).to_string())).collect()
}

/// The choices of a field that takes one of a vocabulary, with an empty choice first unless
/// the field must have a value.
pub fn choices(field: Field, lang: Lang) -> Option<Vec<(String, String)>> {
    macro_rules! v {
        ($ty:ident) => {
            vocab($ty::ALL, $ty::code, $ty::label, lang)
        };
    }
    let list = if field == Field::Kind {
        return Some(v!(CustomerKind));
    } else if field == Field::Status {
        return Some(v!(CustomerStatus));
    } else if field == Field::Channel {
        return Some(v!(Channel));
    } else if field == Field::Direction {
        return Some(v!(Direction));
    } else if field == Field::Response {
        v!(Response)
    } else if field == Field::Outcome {
        use guanxi_domain::winback::CaseStatus;
        return Some(
            [CaseStatus::WonBack, CaseStatus::LostForGood]
                .iter()
                .map(|s| (s.code().to_string(), s.label(lang).to_string()))
                .collect(),
        );
    } else if field == Field::RewardKind {
        use guanxi_domain::winback::RewardKind;
        v!(RewardKind)
    } else if field == Field::About {
        use guanxi_domain::standing::SurveyAbout;
        return Some(v!(SurveyAbout));
    } else if field == Field::Satisfied {
        return Some(vec![
            (String::new(), "—".to_string()),
            ("yes".to_string(), lang.pick("满意", "Yes, satisfied").to_string()),
            ("no".to_string(), lang.pick("不满意", "No, not satisfied").to_string()),
        ]);
    } else if field.is_one_of(&[Field::BuyAgain, Field::Recommend]) {
        return Some(vec![
            (String::new(), lang.pick("不确定", "Not sure").to_string()),
            ("yes".to_string(), lang.pick("会", "Yes").to_string()),
            ("no".to_string(), lang.pick("不会", "No").to_string()),
        ]);
    } else if field.is_one_of(&[Field::Expectation, Field::Experience]) {
        let labels = [
            ("1", lang.pick("1 很低", "1 very low")),
            ("2", lang.pick("2 较低", "2 low")),
            ("3", lang.pick("3 一般", "3 fair")),
            ("4", lang.pick("4 较高", "4 high")),
            ("5", lang.pick("5 很高", "5 very high")),
        ];
        let mut out = vec![(String::new(), "—".to_string())];
        out.extend(labels.iter().map(|(c, l)| (c.to_string(), l.to_string())));
        return Some(out);
    } else if field == Field::Feedback {
        v!(Feedback)
    } else if field == Field::Role {
        return Some(v!(Role));
    } else if field == Field::Basis {
        return Some(v!(Basis));
    } else if field == Field::ValueUnit {
        return Some(v!(TimeUnit));
    } else if field.is_one_of(&[Field::ServiceKey, Field::ServiceMajor, Field::ServiceRegular, Field::ServiceSmall]) {
        return Some(v!(ServiceLevel));
    } else if field.is_one_of(&[Field::PurchasingPower, Field::DecisionAuthority, Field::Need]) {
        return Some(vocab(sales::Qualification::ALL, sales::Qualification::code, sales::Qualification::label, lang));
    } else if field == Field::Resolved {
        return Some(vec![
            ("no".to_string(), lang.pick("否", "No").to_string()),
            ("yes".to_string(), lang.pick("是", "Yes").to_string()),
        ]);
    } else if field == Field::Stage {
        v!(Stage)
    } else if field == Field::RelationshipStage {
        use guanxi_domain::relationship::RelationshipStage;
        v!(RelationshipStage)
    } else if field == Field::Engagement {
        use guanxi_domain::competitors::EngagementKind;
        v!(EngagementKind)
    } else if field == Field::RelationshipLevel {
        use guanxi_domain::relationship::RelationshipLevel;
        v!(RelationshipLevel)
    } else if field == Field::Appointment {
        vocab(Approach::ALL, Approach::code, Approach::label, lang)
    } else if field == Field::Cause {
        vocab(sales::ObjectionCause::ALL, sales::ObjectionCause::code, sales::ObjectionCause::label, lang)
    } else if field == Field::SalesChannel {
        v!(SalesChannel)
    } else if field == Field::Purpose {
        v!(CustomerPurpose)
    } else if field == Field::NeedsOrientation {
        v!(NeedsOrientation)
    } else if field == Field::Gender {
        v!(Gender)
    } else if field == Field::Size {
        v!(OrgSize)
    } else if field == Field::CreditRating {
        v!(CreditRating)
    } else if field == Field::Closeness {
        v!(Closeness)
    } else if field == Field::DecisionRole {
        v!(DecisionRole)
    } else if field == Field::Attitude {
        v!(Attitude)
    } else if field == Field::Relation {
        v!(Relation)
    } else if let Some(terms) = field.terms() {
        // A feature's vocabulary field needs no line here: its terms are the choices.
        terms.iter().map(|term| (term.code.to_string(), lang.pick(term.zh, term.en).to_string())).collect()
    } else {
        return None;
    };
    let mut out = vec![(String::new(), "—".to_string())];
    out.extend(list);
    Some(out)
}

fn kind_of(field: Field, lang: Lang) -> InputKind {
    if let Some(c) = choices(field, lang) {
        return InputKind::Select(c);
    }
    if field == Field::Email {
        InputKind::Email
    } else if field == Field::Phone {
        InputKind::Tel
    } else if field.is_one_of(&[
        // Not Field::Birthday: a lunar birthday (农历1980-08-16) is typed as text.
        Field::FoundedOn,
        Field::NextStepOn,
        Field::ExpectedClose,
        Field::ClosedOn,
        Field::Since,
        Field::ReferredOn,
        Field::DueOn,
    ]) {
        InputKind::Date
    } else if field == Field::DueTime {
        InputKind::Time
    } else if field.is_one_of(&[Field::OccurredAt, Field::OrderedAt]) {
        InputKind::DateTime
    } else if field.is_one_of(&[
        Field::Notes,
        Field::Preferences,
        Field::PreferencesNote,
        Field::Family,
        Field::Motives,
        Field::Personality,
        Field::Beliefs,
        Field::Attitudes,
        Field::Interests,
        Field::BusinessResults,
        Field::Potential,
        Field::Prospects,
        Field::TradingTerms,
        Field::Summary,
        Field::Proposal,
        Field::Preparation,
        Field::PowerEvidence,
        Field::AuthorityEvidence,
        Field::NeedEvidence,
        Field::Objection,
        Field::Answer,
        Field::LostReason,
        Field::CompetitorWho,
        Field::Situation,
        Field::Analysis,
        Field::Heading,
        Field::Intent,
        Field::Steer,
        Field::Evidence,
        Field::Comment,
        Field::AttemptWhat,
        Field::TheirResponse,
        Field::Address,
        Field::TaskResult,
    ]) {
        InputKind::TextArea
    } else {
        InputKind::Text
    }
}

/// One input for `field`, filled from `raw` and marked with its error from `errors`.
pub fn input(field: Field, raw: &Raw, errors: Option<&Validation>, t: T) -> Input {
    let lang = t.lang();
    let mut value = raw.get(field).to_string();
    if field == Field::Preferences {
        // One preference a line reads better in a text box than `a: b; c: d`.
        value = value.replace("; ", "\n");
    }
    let error = errors.and_then(|v| v.0.iter().find(|e| e.field == field)).map(|e| e.message(lang));
    let hint = if field == Field::Preferences {
        Some(t.preferences_hint())
    } else if field == Field::Tags {
        Some(t.tags_hint())
    } else if field == Field::OurParticipants {
        Some(t.participants_hint())
    } else if field == Field::TheirParticipants {
        Some(t.their_participants_hint())
    } else if field.is_one_of(&[Field::OccurredAt, Field::OrderedAt]) {
        Some(t.occurred_hint())
    } else if field == Field::Amount {
        Some(t.yuan_hint())
    } else if field == Field::Cost {
        Some(t.amount_hint())
    } else if field == Field::Probability {
        Some(t.probability_hint())
    } else if field == Field::Competitors {
        Some(t.tags_hint())
    } else if field == Field::Birthday {
        Some(t.birthday_hint())
    } else {
        None
    };
    Input {
        name: field.code(),
        label: field.label(lang),
        value,
        error,
        kind: kind_of(field, lang),
        required: field.is_one_of(&[
            Field::Name,
            Field::TaskTitle,
            Field::Relation,
            Field::Channel,
            Field::Summary,
            Field::Amount,
            Field::Title,
            Field::Objection,
            Field::Cause,
            Field::LostReason,
            Field::Satisfied,
            Field::Referrer,
            Field::AttemptWhat,
            Field::Outcome,
            Field::Expectation,
            Field::Experience,
        ]),
        hint,
        row: None,
    }
}

/// The inputs of a form that have an error, for the banner above it that lists them.
pub fn failing(inputs: &[Input]) -> Vec<&Input> {
    inputs.iter().filter(|i| i.error.is_some()).collect()
}

/// What `errors` says about fields none of `inputs` shows (the banner lists the others).
pub fn unshown(errors: &Validation, inputs: &[Input], lang: Lang) -> Option<String> {
    let rest: Vec<String> =
        errors.0.iter().filter(|e| !inputs.iter().any(|i| i.name == e.field.code())).map(|e| e.message(lang)).collect();
    (!rest.is_empty()).then(|| rest.join(T(lang).semicolon()))
}

/// Inputs for several fields at once.
pub fn inputs(fields: &[Field], raw: &Raw, errors: Option<&Validation>, t: T) -> Vec<Input> {
    fields.iter().map(|f| input(*f, raw, errors, t)).collect()
}

/// A titled group of inputs.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: &'static str,
    pub inputs: Vec<Input>,
}

pub const CUSTOMER_BASICS: &[Field] = &[
    Field::Name,
    Field::Status,
    Field::Purpose,
    Field::NeedsOrientation,
    Field::Source,
    Field::Owner,
    Field::Tags,
    Field::ExternalId,
];
pub const CUSTOMER_CONTACT: &[Field] = &[Field::Phone, Field::Email, Field::Wechat, Field::City, Field::Address];
pub const CUSTOMER_PREFERENCES: &[Field] = &[Field::Preferences, Field::PreferencesNote];
pub const INDIVIDUAL_PROFILE: &[Field] =
    &[Field::Gender, Field::Birthday, Field::Family, Field::Employer, Field::JobTitle];
pub const INDIVIDUAL_PSYCHOLOGY: &[Field] =
    &[Field::Motives, Field::Personality, Field::Beliefs, Field::Attitudes, Field::Interests];
pub const ORGANIZATION_BUSINESS: &[Field] = &[
    Field::Industry,
    Field::FoundedOn,
    Field::Size,
    Field::SalesCapacity,
    Field::BusinessResults,
    Field::Potential,
    Field::Prospects,
];
pub const ORGANIZATION_TRADING: &[Field] = &[Field::TradingTerms, Field::CreditRating, Field::Closeness];

/// Every field a customer form may submit.
pub fn customer_fields() -> Vec<Field> {
    let mut all = vec![Field::Kind, Field::Notes];
    for group in [
        CUSTOMER_BASICS,
        CUSTOMER_CONTACT,
        CUSTOMER_PREFERENCES,
        INDIVIDUAL_PROFILE,
        INDIVIDUAL_PSYCHOLOGY,
        ORGANIZATION_BUSINESS,
        ORGANIZATION_TRADING,
    ] {
        all.extend_from_slice(group);
    }
    all
}

/// The people a form may name, for its pickers (issue #22: owners and participants were typed
/// as usernames): colleagues by the name they go by, and the customer's key people.
pub struct People {
    /// (username, 「张伟 (zhang.wei)」) of active colleagues.
    pub colleagues: Vec<(String, String)>,
    /// The names of the customer's key people.
    pub key_people: Vec<String>,
}

impl People {
    pub async fn load(store: &guanxi_store::Store, customer: Option<i64>) -> Result<People, guanxi_store::StoreError> {
        let colleagues = store
            .users()
            .await?
            .into_iter()
            .filter(|u| u.active && u.id != guanxi_store::Actor::SYSTEM.0)
            .map(|u| (u.username.clone(), format!("{} ({})", u.display_name, u.username)))
            .collect();
        let key_people = match customer {
            Some(id) => store.key_people(id).await?.into_iter().map(|k| k.draft.name).collect(),
            None => Vec::new(),
        };
        Ok(People { colleagues, key_people })
    }

    /// Turns the people fields among `inputs` into pickers: the owner a choice of colleagues
    /// (someone no longer listed is kept), our participants a tick per colleague, theirs a tick
    /// per key person and a box for anyone else.
    pub fn apply(&self, inputs: &mut [Input], t: T) {
        for i in inputs.iter_mut() {
            let chosen: Vec<String> =
                i.value.split([',', '，', '、']).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            match i.name {
                "owner" => {
                    let mut opts = vec![(String::new(), "—".to_string())];
                    opts.extend(self.colleagues.iter().cloned());
                    if !i.value.is_empty() && !opts.iter().any(|(u, _)| u.eq_ignore_ascii_case(&i.value)) {
                        opts.push((i.value.clone(), i.value.clone()));
                    }
                    i.kind = InputKind::Select(opts);
                }
                "our_participants" => {
                    let mut ticks: Vec<(String, String, bool)> = self
                        .colleagues
                        .iter()
                        .map(|(u, l)| (u.clone(), l.clone(), chosen.iter().any(|c| c.eq_ignore_ascii_case(u))))
                        .collect();
                    for c in &chosen {
                        if !ticks.iter().any(|(u, ..)| u.eq_ignore_ascii_case(c)) {
                            ticks.push((c.clone(), c.clone(), true));
                        }
                    }
                    i.kind = InputKind::Ticks(ticks, None);
                    i.hint = None;
                }
                "their_participants" => {
                    let ticks = self.key_people.iter().map(|k| (k.clone(), k.clone(), chosen.contains(k))).collect();
                    let others: Vec<&str> =
                        chosen.iter().filter(|c| !self.key_people.contains(c)).map(String::as_str).collect();
                    i.kind = InputKind::Ticks(ticks, Some((t.others(), others.join(", "))));
                }
                _ => {}
            }
        }
    }
}

/// The sections of the customer form for a customer of `kind`. `owners` are the choices for
/// the owner (username, display name).
pub fn customer_sections(
    kind: CustomerKind,
    raw: &Raw,
    errors: Option<&Validation>,
    t: T,
    owners: &[(String, String)],
) -> Vec<Section> {
    let mut basics = inputs(CUSTOMER_BASICS, raw, errors, t);
    if let Some(owner) = basics.iter_mut().find(|i| i.name == Field::Owner.code()) {
        let mut opts = vec![(String::new(), "—".to_string())];
        opts.extend(owners.iter().cloned());
        if !owner.value.is_empty() && !opts.iter().any(|(u, _)| u.eq_ignore_ascii_case(&owner.value)) {
            opts.push((owner.value.clone(), owner.value.clone()));
        }
        owner.kind = InputKind::Select(opts);
    }
    let mut out = vec![
        Section { title: t.basic(), inputs: basics },
        Section { title: t.preferences_title(), inputs: inputs(CUSTOMER_PREFERENCES, raw, errors, t) },
        Section { title: t.contact(), inputs: inputs(CUSTOMER_CONTACT, raw, errors, t) },
    ];
    match kind {
        CustomerKind::Individual => {
            out.push(Section { title: t.profile(), inputs: inputs(INDIVIDUAL_PROFILE, raw, errors, t) });
            out.push(Section { title: t.psychology(), inputs: inputs(INDIVIDUAL_PSYCHOLOGY, raw, errors, t) });
        }
        CustomerKind::Organization => {
            out.push(Section { title: t.business(), inputs: inputs(ORGANIZATION_BUSINESS, raw, errors, t) });
            out.push(Section { title: t.trading(), inputs: inputs(ORGANIZATION_TRADING, raw, errors, t) });
        }
    }
    out.push(Section { title: Field::Notes.label(t.lang()), inputs: inputs(&[Field::Notes], raw, errors, t) });
    out
}

pub const KEY_PERSON_FIELDS: &[Field] = &[
    Field::Name,
    Field::Gender,
    Field::JobTitle,
    Field::Department,
    Field::DecisionRole,
    Field::Attitude,
    Field::Phone,
    Field::Email,
    Field::Wechat,
    Field::Birthday,
    Field::Personality,
    Field::Interests,
    Field::Preferences,
    Field::Notes,
];

pub const PERSON_AROUND_FIELDS: &[Field] =
    &[Field::Name, Field::Relation, Field::Phone, Field::Birthday, Field::Interests, Field::Preferences, Field::Notes];

pub const INTERACTION_FIELDS: &[Field] = &[
    Field::Channel,
    Field::Direction,
    Field::Summary,
    Field::OccurredAt,
    Field::TheirParticipants,
    Field::OurParticipants,
    Field::Place,
    Field::Response,
    Field::Feedback,
    Field::NextStep,
    Field::NextStepOn,
];

/// What a survey is about.
pub const SURVEY_REQUEST_FIELDS: &[Field] = &[Field::About, Field::Reference];
/// The customer's answers.
pub const SURVEY_ANSWER_FIELDS: &[Field] = &[
    Field::Satisfied,
    Field::BuyAgain,
    Field::Recommend,
    Field::Expectation,
    Field::Experience,
    Field::Comment,
    Field::Respondent,
];

/// The inputs of an order: its amount may be negative (a refund), which a deal's may not.
pub fn order_inputs(raw: &Raw, errors: Option<&Validation>, t: T) -> Vec<Input> {
    let mut inputs = inputs(ORDER_FIELDS, raw, errors, t);
    for i in inputs.iter_mut().filter(|i| i.name == Field::Amount.code()) {
        i.hint = Some(t.amount_hint());
    }
    inputs
}

pub const ORDER_FIELDS: &[Field] = &[
    Field::Amount,
    Field::OrderedAt,
    Field::Category,
    Field::SalesChannel,
    Field::Branch,
    Field::Cost,
    Field::OrderNo,
];
