//! Process sales 流程型销售 (seeds 003, 004): an opportunity 商机 goes through the standard
//! stages, each with its standard actions; moving forward needs the stage's mandatory actions
//! done (or a manager's override with a reason). The decision chain shows whom the deal
//! depends on; objections are logged with their cause, ours or the customer's.
//!
//! The stages are fixed (reports compare them across the company); the actions of each stage,
//! the stage probabilities, the after-sales tasks and the stall threshold are the company's
//! settings (`SalesSettings`).

pub mod fields;

use crate::enums::vocabulary;
use crate::orders::parse_money;
use crate::raw::Raw;
use crate::value::settings::Approach;
use crate::values::{choice, parse_business_date, required_text, text};
use crate::{Attitude, DecisionRole, Field, FieldError, Lang, Problem, Validation};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

vocabulary! {
    /// The standard stages of a sale (seed 003), in order.
    Stage {
        Qualify = "qualify", "寻找与识别", "Identify & qualify", ["识别", "寻找"];
        Approach = "approach", "推销接近", "Approach", ["接近"];
        Negotiation = "negotiation", "推销洽谈", "Negotiation", ["洽谈"];
        Objections = "objections", "处理异议", "Objection handling", ["异议"];
        Closing = "closing", "成交", "Closing", [];
        AfterSales = "after_sales", "售后服务", "After-sales service", ["售后"];
    }
}

impl Stage {
    /// The stage a deal moves forward to, if moving is how it gets there (after-sales is
    /// reached by winning, not by moving).
    pub fn next(self) -> Option<Stage> {
        Stage::ALL.get(self.index() + 1).copied().filter(|s| *s != Stage::AfterSales)
    }

    /// The stage's place in the process, from 0.
    pub fn index(self) -> usize {
        Stage::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The stages an opportunity passes through (and must finish) moving from `self` to `to`:
    /// `self` and every stage after it before `to`. Empty when `to` is not ahead.
    pub fn passed_on_the_way_to(self, to: Stage) -> &'static [Stage] {
        let (from, to) = (self.index(), to.index());
        if to > from { &Stage::ALL[from..to] } else { &[] }
    }
}

vocabulary! {
    /// Where an opportunity stands.
    DealStatus {
        Open = "open", "进行中", "Open", ["跟进中"];
        Won = "won", "赢单", "Won", ["成交"];
        Lost = "lost", "输单", "Lost", ["丢单"];
    }
}

vocabulary! {
    /// An answer while qualifying: does the customer have it?
    Qualification {
        Unknown = "unknown", "未知", "Unknown", ["不确定", "待确认"];
        Yes = "yes", "是", "Yes", ["有", "y", "true"];
        No = "no", "否", "No", ["没有", "无", "n", "false"];
    }
}

vocabulary! {
    /// Why a customer objects (seed 003: first tell whether the cause is ours or theirs).
    ObjectionCause {
        Product = "product", "产品", "Product", [];
        Price = "price", "价格", "Price", ["报价"];
        Service = "service", "服务", "Service", [];
        Delivery = "delivery", "交付", "Delivery", ["交期", "物流"];
        Budget = "budget", "客户预算", "Budget", ["预算"];
        Timing = "timing", "时机", "Timing", ["时间"];
        Authority = "authority", "决策权限", "Authority", ["权限"];
        Habit = "habit", "购买习惯", "Habit", ["习惯"];
    }
}

impl ObjectionCause {
    /// Whether the cause lies with us (product, price, service, delivery) rather than with
    /// the customer (budget, timing, authority, habit).
    pub fn ours(self) -> bool {
        matches!(
            self,
            ObjectionCause::Product | ObjectionCause::Price | ObjectionCause::Service | ObjectionCause::Delivery
        )
    }
}

vocabulary! {
    /// What makes a standard action done: a tick by a person, or facts recorded on the
    /// opportunity that the checklist verifies itself.
    Requirement {
        Tick = "tick", "手动勾选", "Ticked by hand", ["manual"];
        PurchasingPower = "purchasing_power", "购买能力为“是”", "Purchasing power is yes", [];
        DecisionAuthority = "decision_authority", "决策权为“是”", "Decision authority is yes", [];
        Need = "need", "需求为“是”", "Need is yes", [];
        Appointment = "appointment", "已选约见方式", "An appointment method is chosen", [];
        Preparation = "preparation", "已写推销准备", "Preparation notes are written", [];
        Proposal = "proposal", "已写方案", "A proposal is written", [];
        Interaction = "interaction", "已记录洽谈互动", "A contact is logged on the deal", [];
        DecisionMaker = "decision_maker", "决策者已参与", "A decision maker is engaged", [];
        ObjectionsResolved = "objections_resolved", "异议均已解决", "Every objection is resolved", [];
    }
}

/// One standard action of a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardAction {
    /// Stable key within the stage (the ticks refer to it).
    pub key: String,
    pub title: String,
    /// The short reason, shown beside the action.
    pub why: String,
    pub mandatory: bool,
    pub requires: Requirement,
}

/// A task created for the after-sales stage when a deal is won.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AfterSalesTask {
    pub title: String,
    pub due_in_days: u32,
}

/// One stage's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageSettings {
    pub stage: Stage,
    /// The win probability (%) an opportunity gets on entering the stage.
    pub probability: u8,
    pub actions: Vec<StandardAction>,
}

/// The company's sales settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SalesSettings {
    pub stages: Vec<StageSettings>,
    pub after_sales_tasks: Vec<AfterSalesTask>,
    /// An open opportunity without a contact or a change for this many days is stalled.
    pub stalled_days: u32,
}

fn action(key: &str, title: &str, why: &str, mandatory: bool, requires: Requirement) -> StandardAction {
    StandardAction { key: key.into(), title: title.into(), why: why.into(), mandatory, requires }
}

impl Default for SalesSettings {
    /// Seed 003's process as a checklist.
    fn default() -> SalesSettings {
        use Requirement as R;
        let stage = |stage, probability, actions| StageSettings { stage, probability, actions };
        SalesSettings {
            stages: vec![
                stage(
                    Stage::Qualify,
                    10,
                    vec![
                        action(
                            "power",
                            "确认购买能力",
                            "客户现在或将来有购买能力，推销才有结果",
                            true,
                            R::PurchasingPower,
                        ),
                        action(
                            "authority",
                            "确认购买决策权",
                            "找到有决策权的人，推销才有效率",
                            true,
                            R::DecisionAuthority,
                        ),
                        action("need", "确认需求", "客户有此需求，或能帮客户发掘潜在需求", true, R::Need),
                        action("profile", "补全客户档案", "基本信息、心理与行为信息是后续推销的基础", false, R::Tick),
                    ],
                ),
                stage(
                    Stage::Approach,
                    20,
                    vec![
                        action(
                            "appointment",
                            "按客户价值选定约见方式",
                            "高价值客户当面、电话或委托约见；低价值客户信函、广告或网上约见",
                            true,
                            R::Appointment,
                        ),
                        action(
                            "preparation",
                            "做好接近准备",
                            "用好已掌握的客户资料，选定接近方法（介绍、产品、利益、求教……）",
                            true,
                            R::Preparation,
                        ),
                    ],
                ),
                stage(
                    Stage::Negotiation,
                    40,
                    vec![
                        action(
                            "interaction",
                            "记录洽谈：主题、渠道、时间、地点",
                            "洽谈决定能否激发购买欲望、说服客户",
                            true,
                            R::Interaction,
                        ),
                        action(
                            "decision_maker",
                            "让决策者参与",
                            "掌握客户的决策链，客户关系才在公司手里",
                            true,
                            R::DecisionMaker,
                        ),
                        action("proposal", "提交方案", "把客户的需求写成可以比较的方案", false, R::Proposal),
                    ],
                ),
                stage(
                    Stage::Objections,
                    60,
                    vec![action(
                        "objections",
                        "倾听、辨明原因并答复每条异议",
                        "先分清是企业的原因还是客户自身的原因，再解答或提出方案",
                        true,
                        R::ObjectionsResolved,
                    )],
                ),
                stage(
                    Stage::Closing,
                    80,
                    vec![action(
                        "terms",
                        "确认合同条款、价格与交付时间",
                        "成交前把承诺说清楚，售后才不会失信",
                        true,
                        R::Tick,
                    )],
                ),
                stage(Stage::AfterSales, 100, vec![]),
            ],
            after_sales_tasks: vec![
                AfterSalesTask { title: "确认交付与安装".into(), due_in_days: 3 },
                AfterSalesTask { title: "满意度回访".into(), due_in_days: 14 },
                AfterSalesTask { title: "请客户推荐新客户".into(), due_in_days: 60 },
            ],
            stalled_days: 14,
        }
    }
}

impl SalesSettings {
    pub fn stage(&self, stage: Stage) -> Option<&StageSettings> {
        self.stages.iter().find(|s| s.stage == stage)
    }

    pub fn probability(&self, stage: Stage) -> u8 {
        self.stage(stage).map_or(0, |s| s.probability)
    }

    pub fn actions(&self, stage: Stage) -> &[StandardAction] {
        self.stage(stage).map_or(&[], |s| &s.actions)
    }

    /// Checks settings as an admin saved them: every stage once, probabilities 0–100 rising
    /// with the stages, actions titled with unique keys, tasks titled.
    pub fn validate(&self) -> Result<(), Validation> {
        let mut v = Validation::default();
        for stage in Stage::ALL {
            if self.stage(*stage).is_none() {
                v.push(Field::Stage, stage.code(), Problem::Required);
            }
        }
        let mut last = 0;
        for s in &self.stages {
            if s.probability > 100 || s.probability < last {
                v.push(
                    Field::Probability,
                    &s.probability.to_string(),
                    Problem::OutOfRange { min: last.to_string(), max: "100".into() },
                );
            }
            last = s.probability.max(last);
            for (i, a) in s.actions.iter().enumerate() {
                if a.title.trim().is_empty() {
                    v.push(Field::Action, "", Problem::Required);
                }
                if a.key.trim().is_empty() || s.actions[..i].iter().any(|b| b.key == a.key) {
                    v.push(Field::Action, &a.key, Problem::Taken);
                }
                if a.title.chars().count() > 100 {
                    v.push(Field::Action, &a.title, Problem::TooLong { max: 100 });
                }
                if a.why.chars().count() > 300 {
                    v.push(Field::Why, &a.why, Problem::TooLong { max: 300 });
                }
            }
        }
        for t in &self.after_sales_tasks {
            if t.title.trim().is_empty() {
                v.push(Field::Action, "", Problem::Required);
            }
            if t.due_in_days > 3650 {
                v.push(
                    Field::DueInDays,
                    &t.due_in_days.to_string(),
                    Problem::OutOfRange { min: "0".into(), max: "3650".into() },
                );
            }
        }
        if !(1..=365).contains(&self.stalled_days) {
            v.push(
                Field::StalledDays,
                &self.stalled_days.to_string(),
                Problem::OutOfRange { min: "1".into(), max: "365".into() },
            );
        }
        if v.is_empty() { Ok(()) } else { Err(v) }
    }
}

/// The largest amount of a deal: 10 billion yuan, as for orders.
pub const MAX_DEAL_FEN: i64 = crate::orders::MAX_FEN;
const MAX_TEXT: usize = 2000;

/// What a person enters about an opportunity (the stage and status change only by moves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpportunityDraft {
    pub title: String,
    pub amount_fen: i64,
    pub expected_close: Option<NaiveDate>,
    /// The owner's username; the store checks it (none: the person creating it).
    pub owner: Option<String>,
    /// Win probability in %, when set by hand; otherwise the stage's.
    pub probability: Option<u8>,
    pub source: Option<String>,
    pub competitors: Vec<String>,
    pub proposal: Option<String>,
    pub next_step: Option<String>,
    pub next_step_on: Option<NaiveDate>,
    pub purchasing_power: Qualification,
    pub power_evidence: Option<String>,
    pub decision_authority: Qualification,
    pub authority_evidence: Option<String>,
    pub need: Qualification,
    pub need_evidence: Option<String>,
    pub appointment: Option<Approach>,
    pub preparation: Option<String>,
}

fn opt_text(v: &mut Validation, raw: &Raw, field: Field, max: usize) -> Option<String> {
    v.take(text(field, raw.get(field), max)).flatten()
}

fn pick<T: Copy>(
    v: &mut Validation,
    raw: &Raw,
    field: Field,
    parse: impl Fn(&str) -> Option<T>,
    codes: &[&str],
) -> Option<T> {
    v.take(choice(field, raw.get(field), parse, codes)).flatten()
}

/// A whole percentage 0–100 (`35`, `35%`); empty is `None`.
pub fn parse_percent(field: Field, input: &str) -> Result<Option<u8>, FieldError> {
    let t = input.trim().trim_end_matches(['%', '％']).trim();
    if t.is_empty() {
        return Ok(None);
    }
    let n: f64 = t.parse().map_err(|_| FieldError::new(field, input.trim(), Problem::NotANumber))?;
    if !(0.0..=100.0).contains(&n) || n.fract() != 0.0 {
        return Err(FieldError::new(field, input.trim(), Problem::OutOfRange { min: "0".into(), max: "100".into() }));
    }
    Ok(Some(n as u8))
}

/// The most competitors a deal names.
pub const MAX_COMPETITORS: usize = 20;

impl OpportunityDraft {
    pub fn parse(raw: &Raw) -> Result<OpportunityDraft, Validation> {
        let mut v = Validation::default();
        let title = v.take(required_text(Field::Title, raw.get(Field::Title), 200));
        let amount_fen = v.take(parse_money(Field::Amount, raw.get(Field::Amount))).flatten().unwrap_or(0);
        if amount_fen < 0 {
            v.push(Field::Amount, raw.get(Field::Amount), Problem::InvalidAmount);
        }
        let expected_close = v.take(parse_business_date(Field::ExpectedClose, raw.get(Field::ExpectedClose))).flatten();
        let owner = opt_text(&mut v, raw, Field::Owner, 100);
        let probability = v.take(parse_percent(Field::Probability, raw.get(Field::Probability))).flatten();
        let source = opt_text(&mut v, raw, Field::Source, 100);
        let competitors = v
            .take(crate::values::parse_list(Field::Competitors, raw.get(Field::Competitors), 100, MAX_COMPETITORS))
            .unwrap_or_default();
        let proposal = opt_text(&mut v, raw, Field::Proposal, MAX_TEXT);
        let next_step = opt_text(&mut v, raw, Field::NextStep, MAX_TEXT);
        let next_step_on = v.take(parse_business_date(Field::NextStepOn, raw.get(Field::NextStepOn))).flatten();
        let q = |v: &mut Validation, field| {
            pick(v, raw, field, Qualification::parse, &Qualification::codes()).unwrap_or(Qualification::Unknown)
        };
        let purchasing_power = q(&mut v, Field::PurchasingPower);
        let decision_authority = q(&mut v, Field::DecisionAuthority);
        let need = q(&mut v, Field::Need);
        let power_evidence = opt_text(&mut v, raw, Field::PowerEvidence, MAX_TEXT);
        let authority_evidence = opt_text(&mut v, raw, Field::AuthorityEvidence, MAX_TEXT);
        let need_evidence = opt_text(&mut v, raw, Field::NeedEvidence, MAX_TEXT);
        let appointment = pick(&mut v, raw, Field::Appointment, Approach::parse, &Approach::codes());
        let preparation = opt_text(&mut v, raw, Field::Preparation, MAX_TEXT);
        match title {
            Some(title) if v.is_empty() => Ok(OpportunityDraft {
                title,
                amount_fen,
                expected_close,
                owner,
                probability,
                source,
                competitors,
                proposal,
                next_step,
                next_step_on,
                purchasing_power,
                power_evidence,
                decision_authority,
                authority_evidence,
                need,
                need_evidence,
                appointment,
                preparation,
            }),
            _ => Err(v),
        }
    }

    /// The draft as form fields (what `parse` reads back).
    pub fn to_fields(&self) -> Raw {
        let mut r = Raw::new().with(Field::Title, &self.title).with(Field::Amount, fen_to_yuan(self.amount_fen));
        let mut opt = |f: Field, s: Option<String>| {
            if let Some(s) = s {
                r.set(f, s);
            }
        };
        opt(Field::ExpectedClose, self.expected_close.map(|d| d.to_string()));
        opt(Field::Owner, self.owner.clone());
        opt(Field::Probability, self.probability.map(|p| p.to_string()));
        opt(Field::Source, self.source.clone());
        opt(Field::Competitors, (!self.competitors.is_empty()).then(|| self.competitors.join("、")));
        opt(Field::Proposal, self.proposal.clone());
        opt(Field::NextStep, self.next_step.clone());
        opt(Field::NextStepOn, self.next_step_on.map(|d| d.to_string()));
        opt(Field::PurchasingPower, Some(self.purchasing_power.code().into()));
        opt(Field::PowerEvidence, self.power_evidence.clone());
        opt(Field::DecisionAuthority, Some(self.decision_authority.code().into()));
        opt(Field::AuthorityEvidence, self.authority_evidence.clone());
        opt(Field::Need, Some(self.need.code().into()));
        opt(Field::NeedEvidence, self.need_evidence.clone());
        opt(Field::Appointment, self.appointment.map(|a| a.code().into()));
        opt(Field::Preparation, self.preparation.clone());
        r
    }

    /// The draft with `changes` applied (fields not named keep their value).
    pub fn apply(&self, changes: &Raw) -> Result<OpportunityDraft, Validation> {
        let mut raw = self.to_fields();
        for (f, value) in &changes.0 {
            raw.set(*f, value.clone());
        }
        OpportunityDraft::parse(&raw)
    }
}

/// Fen as yuan text with two decimals (`-12.30`).
pub fn fen_to_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.unsigned_abs() / 100, fen.unsigned_abs() % 100)
}

/// A logged objection as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectionDraft {
    pub objection: String,
    pub cause: ObjectionCause,
    pub answer: Option<String>,
    pub resolved: bool,
}

/// `yes`/`no` as a person may type it; empty is `false`.
pub fn parse_flag(field: Field, input: &str) -> Result<bool, FieldError> {
    match input.trim().to_lowercase().as_str() {
        "" | "no" | "false" | "0" | "off" | "否" => Ok(false),
        "yes" | "true" | "1" | "on" | "是" => Ok(true),
        other => {
            Err(FieldError::new(field, other, Problem::UnknownChoice { allowed: vec!["yes".into(), "no".into()] }))
        }
    }
}

impl ObjectionDraft {
    pub fn parse(raw: &Raw) -> Result<ObjectionDraft, Validation> {
        let mut v = Validation::default();
        let objection = v.take(required_text(Field::Objection, raw.get(Field::Objection), MAX_TEXT));
        let cause = pick(&mut v, raw, Field::Cause, ObjectionCause::parse, &ObjectionCause::codes());
        if !raw.has(Field::Cause) {
            v.push(Field::Cause, "", Problem::Required);
        }
        let answer = opt_text(&mut v, raw, Field::Answer, MAX_TEXT);
        let resolved = v.take(parse_flag(Field::Resolved, raw.get(Field::Resolved))).unwrap_or(false);
        if resolved && answer.is_none() {
            // Resolved means answered: seed 003 — listen, then answer or propose.
            v.push(Field::Answer, "", Problem::Required);
        }
        match (objection, cause) {
            (Some(objection), Some(cause)) if v.is_empty() => Ok(ObjectionDraft { objection, cause, answer, resolved }),
            _ => Err(v),
        }
    }
}

/// How a deal ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Won { amount_fen: i64, closed_on: NaiveDate },
    Lost { reason: String, lost_to: Option<String>, closed_on: NaiveDate },
}

impl Outcome {
    /// `won`: the amount (default: the deal's) and the date (default: today, not later);
    /// `lost`: a reason is required, the competitor is optional.
    pub fn parse(status: DealStatus, raw: &Raw, deal_amount_fen: i64, today: NaiveDate) -> Result<Outcome, Validation> {
        let mut v = Validation::default();
        let closed_on =
            v.take(parse_business_date(Field::ClosedOn, raw.get(Field::ClosedOn))).flatten().unwrap_or(today);
        if closed_on > today {
            v.push(Field::ClosedOn, raw.get(Field::ClosedOn), Problem::DateInFuture);
        }
        let out = match status {
            DealStatus::Won => {
                let amount_fen =
                    v.take(parse_money(Field::Amount, raw.get(Field::Amount))).flatten().unwrap_or(deal_amount_fen);
                if amount_fen < 0 {
                    v.push(Field::Amount, raw.get(Field::Amount), Problem::InvalidAmount);
                }
                Some(Outcome::Won { amount_fen, closed_on })
            }
            DealStatus::Lost => {
                let reason = v.take(required_text(Field::LostReason, raw.get(Field::LostReason), MAX_TEXT));
                let lost_to = opt_text(&mut v, raw, Field::LostTo, 100);
                reason.map(|reason| Outcome::Lost { reason, lost_to, closed_on })
            }
            DealStatus::Open => {
                v.push(
                    Field::Status,
                    status.code(),
                    Problem::UnknownChoice { allowed: vec!["won".into(), "lost".into()] },
                );
                None
            }
        };
        match out {
            Some(o) if v.is_empty() => Ok(o),
            _ => Err(v),
        }
    }
}

/// What the checklist looks at: the facts recorded on an opportunity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub purchasing_power: bool,
    pub decision_authority: bool,
    pub need: bool,
    pub appointment: bool,
    pub preparation: bool,
    pub proposal: bool,
    /// Contacts logged on the opportunity.
    pub interactions: usize,
    pub decision_maker_engaged: bool,
    pub open_objections: usize,
}

impl Facts {
    pub fn of(d: &OpportunityDraft) -> Facts {
        Facts {
            purchasing_power: d.purchasing_power == Qualification::Yes,
            decision_authority: d.decision_authority == Qualification::Yes,
            need: d.need == Qualification::Yes,
            appointment: d.appointment.is_some(),
            preparation: d.preparation.is_some(),
            proposal: d.proposal.is_some(),
            ..Facts::default()
        }
    }

    /// Whether `requirement` holds (a tick is looked up separately).
    pub fn holds(&self, requirement: Requirement) -> Option<bool> {
        use Requirement as R;
        Some(match requirement {
            R::Tick => return None,
            R::PurchasingPower => self.purchasing_power,
            R::DecisionAuthority => self.decision_authority,
            R::Need => self.need,
            R::Appointment => self.appointment,
            R::Preparation => self.preparation,
            R::Proposal => self.proposal,
            R::Interaction => self.interactions > 0,
            R::DecisionMaker => self.decision_maker_engaged,
            R::ObjectionsResolved => self.open_objections == 0,
        })
    }
}

/// One action of the checklist as it stands on an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckItem {
    pub stage: Stage,
    pub action: StandardAction,
    pub done: bool,
}

/// The checklist of `stages` for an opportunity with `facts` and the `ticked` (stage, key)
/// pairs.
pub fn checklist(
    settings: &SalesSettings,
    stages: &[Stage],
    facts: &Facts,
    ticked: &[(Stage, String)],
) -> Vec<CheckItem> {
    let mut out = Vec::new();
    for stage in stages {
        for a in settings.actions(*stage) {
            let done = facts.holds(a.requires).unwrap_or_else(|| ticked.iter().any(|(s, k)| s == stage && *k == a.key));
            out.push(CheckItem { stage: *stage, action: a.clone(), done });
        }
    }
    out
}

/// Why a move from `from` to `to` is not allowed without an override: the mandatory actions
/// not done in the stages it passes. Empty when the move may go ahead.
pub fn missing_for_move(
    settings: &SalesSettings,
    from: Stage,
    to: Stage,
    facts: &Facts,
    ticked: &[(Stage, String)],
) -> Vec<CheckItem> {
    checklist(settings, from.passed_on_the_way_to(to), facts, ticked)
        .into_iter()
        .filter(|c| c.action.mandatory && !c.done)
        .collect()
}

/// A move's problem as the field error users see, naming every missing action.
pub fn actions_missing(to: Stage, missing: &[CheckItem]) -> FieldError {
    let actions = missing.iter().map(|c| c.action.title.clone()).collect();
    // After-sales is entered by winning: the deal is not "entered" there, it is won.
    if to == Stage::AfterSales {
        FieldError::new(Field::Stage, "", Problem::ActionsMissingToWin { actions })
    } else {
        FieldError::new(Field::Stage, to.code(), Problem::ActionsMissing { actions })
    }
}

/// Someone on the decision chain of a deal: the key person's role and attitude, whether they
/// are engaged, and how they are being addressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainMember {
    pub name: String,
    pub role: Option<DecisionRole>,
    pub attitude: Option<Attitude>,
    pub engaged: bool,
    pub plan: Option<String>,
}

/// A gap in a deal's decision chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainWarning {
    /// Nobody with the decision maker's role is engaged.
    NoDecisionMaker,
    /// Nobody on the chain supports us.
    NoSupporter,
    /// An opponent without a plan for addressing them.
    OpponentUnaddressed { name: String },
}

impl ChainWarning {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ChainWarning::NoDecisionMaker, Lang::ZhCn) => "没有决策者参与：找到并接触有决策权的人".into(),
            (ChainWarning::NoDecisionMaker, Lang::En) => {
                "no decision maker is engaged: find and reach the person who decides".into()
            }
            (ChainWarning::NoSupporter, Lang::ZhCn) => "决策链上没有支持者：争取一位内部支持者".into(),
            (ChainWarning::NoSupporter, Lang::En) => {
                "nobody on the decision chain supports us: win an inside supporter".into()
            }
            (ChainWarning::OpponentUnaddressed { name }, Lang::ZhCn) => {
                format!("{name} 持反对态度，还没有应对计划")
            }
            (ChainWarning::OpponentUnaddressed { name }, Lang::En) => {
                format!("{name} opposes us and has no plan yet")
            }
        }
    }
}

/// The coverage check of a decision chain.
pub fn chain_warnings(chain: &[ChainMember]) -> Vec<ChainWarning> {
    let mut out = Vec::new();
    if !chain.iter().any(|m| m.engaged && m.role == Some(DecisionRole::DecisionMaker)) {
        out.push(ChainWarning::NoDecisionMaker);
    }
    if !chain.iter().any(|m| m.attitude == Some(Attitude::Supporter)) {
        out.push(ChainWarning::NoSupporter);
    }
    for m in chain {
        if m.attitude == Some(Attitude::Opponent) && m.plan.is_none() {
            out.push(ChainWarning::OpponentUnaddressed { name: m.name.clone() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(fields: &[(Field, &str)]) -> Raw {
        let mut r = Raw::new();
        for (f, v) in fields {
            r.set(*f, *v);
        }
        r
    }

    #[test]
    fn an_opportunity_is_validated_field_by_field() {
        let d = OpportunityDraft::parse(&raw(&[
            (Field::Title, "华东区 200 台采购"),
            (Field::Amount, "¥1,200,000"),
            (Field::Probability, "35%"),
            (Field::Competitors, "甲公司、乙公司，甲公司"),
            (Field::PurchasingPower, "是"),
            (Field::Appointment, "登门拜访"),
        ]))
        .unwrap();
        assert_eq!(d.amount_fen, 120_000_000);
        assert_eq!(d.probability, Some(35));
        assert_eq!(d.competitors, ["甲公司", "乙公司"]);
        assert_eq!((d.purchasing_power, d.need), (Qualification::Yes, Qualification::Unknown));
        assert_eq!(d.appointment, Some(Approach::Visit));
        assert_eq!(OpportunityDraft::parse(&d.to_fields()).unwrap(), d);

        let err = OpportunityDraft::parse(&raw(&[
            (Field::Amount, "-5"),
            (Field::Probability, "120"),
            (Field::Need, "maybe"),
            (Field::ExpectedClose, "下周"),
        ]))
        .unwrap_err();
        let fields: Vec<Field> = err.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::Title, Field::Amount, Field::ExpectedClose, Field::Probability, Field::Need]);
        let msg = err.message(Lang::ZhCn);
        assert!(msg.contains("赢单概率") && msg.contains("0 到 100") && msg.contains("maybe"), "{msg}");
    }

    #[test]
    fn moving_forward_needs_the_mandatory_actions_of_every_stage_passed() {
        let s = SalesSettings::default();
        s.validate().unwrap();
        let mut facts = Facts::default();
        let missing = missing_for_move(&s, Stage::Qualify, Stage::Approach, &facts, &[]);
        let keys: Vec<&str> = missing.iter().map(|c| c.action.key.as_str()).collect();
        assert_eq!(keys, ["power", "authority", "need"], "the optional profile action does not block");
        facts.purchasing_power = true;
        facts.decision_authority = true;
        facts.need = true;
        assert!(missing_for_move(&s, Stage::Qualify, Stage::Approach, &facts, &[]).is_empty());
        // Skipping ahead passes the approach stage too.
        let missing = missing_for_move(&s, Stage::Qualify, Stage::Negotiation, &facts, &[]);
        assert_eq!(missing.len(), 2);
        facts.appointment = true;
        facts.preparation = true;
        facts.interactions = 1;
        facts.decision_maker_engaged = true;
        facts.open_objections = 1;
        let missing = missing_for_move(&s, Stage::Negotiation, Stage::Closing, &facts, &[]);
        assert_eq!(missing.iter().map(|c| c.action.key.as_str()).collect::<Vec<_>>(), ["objections"]);
        facts.open_objections = 0;
        // A ticked action counts for its own stage only.
        let ticked = vec![(Stage::Qualify, "terms".to_string())];
        let to_win = missing_for_move(&s, Stage::Closing, Stage::AfterSales, &facts, &ticked);
        assert_eq!(to_win.len(), 1);
        let said = actions_missing(Stage::AfterSales, &to_win).message(Lang::ZhCn);
        assert!(said.contains("还不能赢单") && !said.contains("售后"), "{said}");
        let ticked = vec![(Stage::Closing, "terms".to_string())];
        assert!(missing_for_move(&s, Stage::Closing, Stage::AfterSales, &facts, &ticked).is_empty());
        // Backwards is always allowed.
        assert!(missing_for_move(&s, Stage::Closing, Stage::Qualify, &Facts::default(), &[]).is_empty());
        let e = actions_missing(
            Stage::Approach,
            &missing_for_move(&s, Stage::Qualify, Stage::Approach, &Facts::default(), &[]),
        );
        assert!(e.message(Lang::ZhCn).contains("确认购买能力、确认购买决策权、确认需求"));
    }

    #[test]
    fn objections_and_outcomes() {
        let o = ObjectionDraft::parse(&raw(&[(Field::Objection, "太贵"), (Field::Cause, "价格")])).unwrap();
        assert!(o.cause.ours() && !o.resolved);
        assert!(!ObjectionCause::Budget.ours());
        let e = ObjectionDraft::parse(&raw(&[(Field::Objection, "太贵"), (Field::Resolved, "yes")])).unwrap_err();
        assert_eq!(e.0.iter().map(|e| e.field).collect::<Vec<_>>(), [Field::Cause, Field::Answer]);

        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let won = Outcome::parse(DealStatus::Won, &Raw::new(), 5_000, today).unwrap();
        assert_eq!(won, Outcome::Won { amount_fen: 5_000, closed_on: today });
        let e = Outcome::parse(DealStatus::Lost, &raw(&[(Field::LostTo, "甲公司")]), 5_000, today).unwrap_err();
        assert_eq!(e.0[0].field, Field::LostReason);
        let e = Outcome::parse(DealStatus::Won, &raw(&[(Field::ClosedOn, "2027-01-01")]), 0, today).unwrap_err();
        assert_eq!(e.0[0].problem, Problem::DateInFuture);
    }

    #[test]
    fn the_decision_chain_is_checked() {
        let m = |name: &str, role, attitude, engaged, plan: Option<&str>| ChainMember {
            name: name.into(),
            role: Some(role),
            attitude: Some(attitude),
            engaged,
            plan: plan.map(str::to_string),
        };
        assert_eq!(chain_warnings(&[]), [ChainWarning::NoDecisionMaker, ChainWarning::NoSupporter]);
        let chain = [
            m("王总", DecisionRole::DecisionMaker, Attitude::Neutral, false, None),
            m("李工", DecisionRole::TechnicalEvaluator, Attitude::Opponent, true, None),
            m("赵经理", DecisionRole::User, Attitude::Supporter, true, None),
        ];
        assert_eq!(
            chain_warnings(&chain),
            [ChainWarning::NoDecisionMaker, ChainWarning::OpponentUnaddressed { name: "李工".into() }]
        );
        let chain = [
            m("王总", DecisionRole::DecisionMaker, Attitude::Neutral, true, None),
            m("李工", DecisionRole::TechnicalEvaluator, Attitude::Opponent, true, Some("请赵经理安排技术交流")),
            m("赵经理", DecisionRole::User, Attitude::Supporter, true, None),
        ];
        assert!(chain_warnings(&chain).is_empty());
    }

    #[test]
    fn settings_are_checked() {
        let mut s = SalesSettings::default();
        s.stages[1].probability = 5;
        s.stages[0].actions[1].key = "power".into();
        s.stalled_days = 0;
        let e = s.validate().unwrap_err();
        let fields: Vec<Field> = e.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::Action, Field::Probability, Field::StalledDays]);
    }
}
