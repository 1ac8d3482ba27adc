//! Cadences 跟进节奏 and message templates (PRODUCT.md §7, seed 001 lecture 5: the coffee shop
//! greets a new customer on day 7, sends a brewing handbook 20 days later and a bean-choosing
//! guide 18 days after that). A cadence is a named series of steps, each some days after the
//! previous one, that either sends a message made from a template or gives the customer's owner
//! a task. Templates carry merge fields (`{{称呼}}`, `{{name}}`) checked when saved. Consent for
//! marketing (PIPL) is kept per customer and channel.

pub mod fields;

use crate::enums::vocabulary;
use crate::outbox::{MAX_BODY, MAX_SUBJECT, MessageChannel};
use crate::raw::Raw;
use crate::tasks::TaskKind;
use crate::values::{choice, required_text, text};
use crate::{Field, FieldError, Gender, Lang, Problem, Validation};
use serde::{Deserialize, Serialize};

vocabulary! {
    /// What a template may fill in about the customer.
    MergeField {
        Name = "name", "姓名", "Name", ["客户名称", "名称"];
        /// 王先生 / 李女士 from the surname and gender; the full name when the gender is unknown.
        Honorific = "honorific", "称呼", "Honorific", ["尊称"];
        Company = "company", "公司", "Company", ["单位"];
        JobTitle = "title", "职务", "Title", ["职位"];
        Preferences = "preferences", "喜好", "Preferences", ["偏好"];
        OwnerName = "owner_name", "负责人", "Owner", ["客户经理"];
        OwnerPhone = "owner_phone", "负责人电话", "Owner's phone", [];
        LastOrder = "last_order", "最近订单", "Last order", ["上次购买"];
    }
}

vocabulary! {
    /// What a cadence step does.
    StepKind {
        Email = "email", "发邮件", "Send an e-mail", ["邮件"];
        Sms = "sms", "发短信", "Send an SMS", ["短信"];
        Wechat = "wechat", "发微信", "Send a WeChat message", ["微信"];
        Letter = "letter", "寄信", "Post a letter", ["信函", "信件"];
        Task = "task", "布置待办", "Give the owner a task", ["待办"];
    }
}

impl StepKind {
    pub fn channel(self) -> Option<MessageChannel> {
        match self {
            StepKind::Email => Some(MessageChannel::Email),
            StepKind::Sms => Some(MessageChannel::Sms),
            StepKind::Wechat => Some(MessageChannel::Wechat),
            StepKind::Letter => Some(MessageChannel::Letter),
            StepKind::Task => None,
        }
    }
}

vocabulary! {
    /// Whether a cadence's message goes by itself or waits for a person to approve it.
    SendMode {
        Auto = "auto", "自动发送", "Sent by itself", ["自动"];
        Approve = "approve", "审批后发送", "Sent once someone approves it", ["审批"];
    }
}

impl EnrolRule {
    /// The rule that puts in customers who newly reach `tier` at a value run, if any.
    pub fn for_tier(tier: crate::ValueTier) -> Option<EnrolRule> {
        match tier {
            crate::ValueTier::Key => Some(EnrolRule::BecameKey),
            crate::ValueTier::Major => Some(EnrolRule::BecameMajor),
            _ => None,
        }
    }
}

vocabulary! {
    /// What puts a customer in a cadence by itself.
    EnrolRule {
        FirstPurchase = "first_purchase", "首次购买后自动加入", "On their first purchase", ["首次购买"];
        DealWon = "deal_won", "赢单后自动加入", "When a deal of theirs is won", ["赢单"];
        BecameKey = "became_key", "成为主客户时自动加入", "When they become a key account", ["成为主客户"];
        BecameMajor = "became_major", "成为大客户时自动加入", "When they become a major customer", ["成为大客户"];
        WinbackOpened = "winback_opened", "开启挽回案例时自动加入", "When a win-back case is opened for them", ["挽回"];
    }
}

vocabulary! {
    /// A customer's answer to marketing on a channel.
    ConsentState {
        Given = "given", "已同意", "Given", ["同意", "yes"];
        Withdrawn = "withdrawn", "已退订", "Withdrawn", ["退订", "拒绝", "no"];
    }
}

vocabulary! {
    /// Why a customer is no longer in a cadence.
    LeftBecause {
        Finished = "finished", "已走完", "Finished", [];
        Replied = "replied", "客户回复了", "They replied", [];
        Bought = "bought", "客户购买了", "They bought", [];
        Visited = "visited", "已拜访", "They were visited", [];
        OptedOut = "opted_out", "客户退订了", "They opted out", [];
        ByHand = "by_hand", "手动移出", "Taken out by hand", [];
    }
}

/// A message step this late (its day passed, the worker was away) is skipped, not sent; and a
/// marketing message not sent this long after its day is not sent at all.
pub const LATE_AFTER: chrono::Duration = chrono::Duration::days(2);

/// The longest a step may wait after the previous one.
pub const MAX_DELAY_DAYS: i64 = 365;
pub const MAX_STEPS: usize = 20;

/// A template's merge fields, each once, in the order they appear; an unknown one is refused
/// naming it and what is allowed, as is a `{{` left open.
pub fn merge_fields(field: Field, text: &str) -> Result<Vec<MergeField>, FieldError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            let shown: String = rest[start..].chars().take(20).collect();
            return Err(FieldError::new(field, &shown, Problem::UnknownMergeField { allowed: allowed_names() }));
        };
        let name = after[..end].trim();
        let f = MergeField::parse(name).ok_or_else(|| {
            FieldError::new(field, &format!("{{{{{name}}}}}"), Problem::UnknownMergeField { allowed: allowed_names() })
        })?;
        if !out.contains(&f) {
            out.push(f);
        }
        rest = &after[end + 2..];
    }
    Ok(out)
}

fn allowed_names() -> Vec<String> {
    MergeField::ALL.iter().map(|f| format!("{{{{{}}}}}", f.label(Lang::ZhCn))).collect()
}

/// What a template is filled in with for one customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MergeData {
    pub name: String,
    pub gender: Option<Gender>,
    /// An individual's: false for an organization (its honorific is its name).
    pub is_person: bool,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub preferences: Option<String>,
    pub owner_name: Option<String>,
    pub owner_phone: Option<String>,
    pub last_order: Option<String>,
}

impl MergeData {
    /// 王先生 / 李女士 (the first character as the surname, two for a known compound surname),
    /// else the name.
    pub fn honorific(&self, lang: Lang) -> String {
        let Some(gender) = self.gender.filter(|_| self.is_person) else { return self.name.clone() };
        let han = self.name.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        if !han || self.name.chars().count() < 2 {
            return match (gender, lang) {
                (Gender::Male, Lang::En) => format!("Mr {}", self.name),
                (Gender::Female, Lang::En) => format!("Ms {}", self.name),
                _ => self.name.clone(),
            };
        }
        const COMPOUND: &[&str] = &["欧阳", "司马", "上官", "诸葛", "东方", "慕容", "令狐", "皇甫", "公孙", "夏侯"];
        let surname: String = match COMPOUND.iter().find(|s| self.name.starts_with(*s)) {
            Some(s) if self.name.chars().count() > 2 => s.to_string(),
            _ => self.name.chars().take(1).collect(),
        };
        match gender {
            Gender::Male => format!("{surname}先生"),
            Gender::Female => format!("{surname}女士"),
            Gender::Other => self.name.clone(),
        }
    }

    pub fn value(&self, f: MergeField, lang: Lang) -> String {
        let or_blank = |v: &Option<String>| v.clone().unwrap_or_default();
        match f {
            MergeField::Name => self.name.clone(),
            MergeField::Honorific => self.honorific(lang),
            MergeField::Company => or_blank(&self.company),
            MergeField::JobTitle => or_blank(&self.job_title),
            MergeField::Preferences => or_blank(&self.preferences),
            MergeField::OwnerName => or_blank(&self.owner_name),
            MergeField::OwnerPhone => or_blank(&self.owner_phone),
            MergeField::LastOrder => or_blank(&self.last_order),
        }
    }
}

/// `text` with its merge fields filled in (an unknown one is left as written: templates are
/// checked when saved).
pub fn render(text: &str, data: &MergeData, lang: Lang) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}").and_then(|end| MergeField::parse(after[..end].trim()).map(|f| (f, end))) {
            Some((f, end)) => {
                out.push_str(&data.value(f, lang));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A customer's answer to marketing as entered: on which channel, given or withdrawn, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDraft {
    pub channel: MessageChannel,
    pub state: ConsentState,
    pub how: String,
}

impl ConsentDraft {
    /// Each wrong or missing part named (the channel, the answer, how it was given).
    pub fn parse(channel: &str, state: &str, how: &str) -> Result<ConsentDraft, Validation> {
        let mut v = Validation::default();
        let channel =
            v.take(choice(Field::MessageChannel, channel, MessageChannel::parse, &MessageChannel::codes())).flatten();
        if channel.is_none() && v.is_empty() {
            v.push(Field::MessageChannel, "", Problem::Required);
        }
        let before = v.0.len();
        let state = v.take(choice(Field::Consent, state, ConsentState::parse, &ConsentState::codes())).flatten();
        if state.is_none() && v.0.len() == before {
            v.push(Field::Consent, "", Problem::Required);
        }
        let how = v.take(required_text(Field::ConsentHow, how, 200));
        v.into_result(())?;
        match (channel, state, how) {
            (Some(channel), Some(state), Some(how)) => Ok(ConsentDraft { channel, state, how }),
            _ => Err(Validation::one(Field::Consent, "", Problem::Required)),
        }
    }
}

/// A message template as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateDraft {
    pub name: String,
    pub channel: MessageChannel,
    pub subject: String,
    pub body: String,
    /// For SMS and WeChat: the template's id at the provider (the gateway sends only templates
    /// it approved), filled in with this template's merge fields as parameters.
    #[serde(default)]
    pub provider_template: Option<String>,
}

pub const TEMPLATE_FIELDS: &[Field] =
    &[Field::TemplateName, Field::MessageChannel, Field::ProviderTemplate, Field::Subject, Field::Body];

/// The channels a template can be for (a letter's template is printed, in a batch, and posted).
pub const TEMPLATE_CHANNELS: &[MessageChannel] =
    &[MessageChannel::Email, MessageChannel::Sms, MessageChannel::Wechat, MessageChannel::Letter];

/// The longest SMS or WeChat text (a long SMS is split by the carrier; past this it is a letter).
pub const MAX_SHORT_BODY: usize = 500;

impl TemplateDraft {
    pub fn parse(raw: &Raw) -> Result<TemplateDraft, Validation> {
        let mut v = Validation::default();
        let name = v.take(required_text(Field::TemplateName, raw.get(Field::TemplateName), 100));
        let allowed: Vec<&str> = TEMPLATE_CHANNELS.iter().map(|c| c.code()).collect();
        let typed = raw.get(Field::MessageChannel).trim();
        let channel = v
            .take(choice(Field::MessageChannel, typed, MessageChannel::parse, &allowed))
            .flatten()
            .unwrap_or(MessageChannel::Email);
        if !TEMPLATE_CHANNELS.contains(&channel) {
            v.push(
                Field::MessageChannel,
                typed,
                Problem::UnknownChoice { allowed: allowed.iter().map(|s| s.to_string()).collect() },
            );
        }
        // E-mails and letters have a subject (a letter's heading) and room; SMS and WeChat are
        // short and name the provider's template.
        let email = matches!(channel, MessageChannel::Email | MessageChannel::Letter);
        let subject = if email {
            v.take(required_text(Field::Subject, raw.get(Field::Subject), MAX_SUBJECT))
        } else {
            v.take(text(Field::Subject, raw.get(Field::Subject), MAX_SUBJECT)).map(Option::unwrap_or_default)
        };
        let body =
            v.take(required_text(Field::Body, raw.get(Field::Body), if email { MAX_BODY } else { MAX_SHORT_BODY }));
        let provider_template = if email {
            None
        } else {
            let id = v.take(required_text(Field::ProviderTemplate, raw.get(Field::ProviderTemplate), 64));
            if let Some(id) = &id
                && !id.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            {
                v.push(
                    Field::ProviderTemplate,
                    id,
                    Problem::rule(
                        "invalid_id",
                        "只能包含字母、数字和 _ - .",
                        "may contain only letters, digits and _ - .",
                    ),
                );
            }
            id
        };
        if let Some(s) = &subject {
            v.take(merge_fields(Field::Subject, s));
        }
        if let Some(b) = &body {
            v.take(merge_fields(Field::Body, b));
        }
        v.into_result(())?;
        Ok(TemplateDraft {
            name: name.unwrap_or_default(),
            channel,
            subject: if email { subject.unwrap_or_default() } else { String::new() },
            body: body.unwrap_or_default(),
            provider_template,
        })
    }

    /// The parameters a provider's template is filled with for one customer: each merge field
    /// of the body by its code, in order.
    pub fn params(&self, data: &MergeData, lang: Lang) -> Vec<(String, String)> {
        merge_fields(Field::Body, &self.body)
            .unwrap_or_default()
            .into_iter()
            .map(|f| (f.code().to_string(), data.value(f, lang)))
            .collect()
    }

    pub fn to_fields(&self) -> Raw {
        let mut raw = Raw::default();
        raw.set(Field::TemplateName, self.name.clone());
        raw.set(Field::MessageChannel, self.channel.code());
        raw.set(Field::Subject, self.subject.clone());
        raw.set(Field::Body, self.body.clone());
        raw.set(Field::ProviderTemplate, self.provider_template.clone().unwrap_or_default());
        raw
    }
}

/// One step of a cadence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDraft {
    /// Days after the previous step (after enrolment for the first).
    pub delay_days: i64,
    pub kind: StepKind,
    /// The template a message step sends (its id).
    pub template_id: Option<i64>,
    /// What a task step asks the owner to do (merge fields allowed).
    pub task_title: Option<String>,
    /// A message step's message waits for the customer's owner or a manager to approve it.
    #[serde(default)]
    pub approve: bool,
}

/// A cadence as entered: its name, when a customer leaves it, its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadenceDraft {
    pub name: String,
    pub description: Option<String>,
    pub exit_on_reply: bool,
    pub exit_on_buy: bool,
    pub exit_on_visit: bool,
    pub steps: Vec<StepDraft>,
    /// Customers enrolled before this day count their steps from it (09:00 China time): a
    /// festival's greeting goes out on the festival whenever they were put in.
    #[serde(default)]
    pub starts_on: Option<chrono::NaiveDate>,
    /// Customers are put in by themselves when this happens (besides by hand).
    #[serde(default)]
    pub enrol_on: Option<EnrolRule>,
}

/// A step's template is for another channel than the step sends on.
pub fn template_for_other_channel(is: MessageChannel, needs: MessageChannel) -> Problem {
    use crate::Lang::{En, ZhCn};
    Problem::rule(
        "template_for_other_channel",
        format!("是{}的模板，这一步需要{}的模板", is.label(ZhCn), needs.label(ZhCn)),
        format!(
            "is a template for {}; this step needs one for {}",
            is.label(En).to_lowercase(),
            needs.label(En).to_lowercase()
        ),
    )
}

/// The hour of its first day a cadence with a start day begins (China time).
pub const START_HOUR: u32 = 9;

fn yes(raw: &Raw, f: Field) -> bool {
    matches!(raw.get(f).trim(), "yes" | "true" | "on" | "1" | "是")
}

impl CadenceDraft {
    /// Reads a cadence's form: its fields, and its steps as `delay_days`, `step_action`,
    /// `template`, `step_task_title` given once a step, in order (`steps` rows with every
    /// part empty are ignored). Each wrong part is named with its step's number.
    pub fn parse(raw: &Raw, steps: &[Raw]) -> Result<CadenceDraft, Validation> {
        let mut v = Validation::default();
        let name = v.take(required_text(Field::CadenceName, raw.get(Field::CadenceName), 100));
        let description = v.take(text(Field::Description, raw.get(Field::Description), 1000)).flatten();
        let mut out = Vec::new();
        let filled: Vec<&Raw> = steps.iter().filter(|s| s.0.iter().any(|(_, val)| !val.trim().is_empty())).collect();
        if filled.is_empty() {
            v.push(Field::Steps, "", Problem::Required);
        }
        if filled.len() > MAX_STEPS {
            v.push(Field::Steps, &filled.len().to_string(), Problem::TooMany { max: MAX_STEPS });
        }
        for (i, s) in filled.iter().enumerate() {
            let n = i + 1;
            let at = |e: FieldError| e.in_step(n);
            let delay_text = s.get(Field::DelayDays).trim();
            let delay = match delay_text.parse::<i64>() {
                Ok(d) if (0..=MAX_DELAY_DAYS).contains(&d) => Some(d),
                Err(_) if delay_text.is_empty() => {
                    v.push_step(n, Field::DelayDays, "", Problem::Required);
                    None
                }
                Err(_) => {
                    v.push_step(n, Field::DelayDays, delay_text, Problem::NotAWholeNumber);
                    None
                }
                _ => {
                    v.push_step(
                        n,
                        Field::DelayDays,
                        delay_text,
                        Problem::OutOfRange { min: "0".into(), max: MAX_DELAY_DAYS.to_string() },
                    );
                    None
                }
            };
            let kind = match choice(Field::StepAction, s.get(Field::StepAction), StepKind::parse, &StepKind::codes()) {
                Ok(Some(k)) => Some(k),
                Ok(None) => {
                    v.push_step(n, Field::StepAction, "", Problem::Required);
                    None
                }
                Err(e) => {
                    v.0.push(at(e));
                    None
                }
            };
            let template_id = s.get(Field::Template).trim().parse::<i64>().ok();
            let approve = match choice(Field::StepSend, s.get(Field::StepSend), SendMode::parse, &SendMode::codes()) {
                Ok(mode) => mode == Some(SendMode::Approve),
                Err(e) => {
                    v.0.push(at(e));
                    false
                }
            };
            let task_title = match text(Field::TaskTitleTemplate, s.get(Field::TaskTitleTemplate), 200) {
                Ok(t) => t,
                Err(e) => {
                    v.0.push(at(e));
                    None
                }
            };
            match kind {
                Some(StepKind::Task) if task_title.is_none() => {
                    v.push_step(n, Field::TaskTitleTemplate, "", Problem::Required)
                }
                Some(StepKind::Task) => {
                    if let Some(t) = &task_title
                        && let Err(e) = merge_fields(Field::TaskTitleTemplate, t)
                    {
                        v.0.push(at(e));
                    }
                }
                Some(_) if template_id.is_none() => v.push_step(n, Field::Template, "", Problem::Required),
                _ => {}
            }
            if let (Some(delay_days), Some(kind)) = (delay, kind) {
                out.push(StepDraft {
                    delay_days,
                    kind,
                    template_id: if kind == StepKind::Task { None } else { template_id },
                    task_title: if kind == StepKind::Task { task_title } else { None },
                    approve: approve && kind != StepKind::Task,
                });
            }
        }
        let starts_on = v.take(crate::values::parse_business_date(Field::StartsOn, raw.get(Field::StartsOn))).flatten();
        let enrol_on =
            v.take(choice(Field::EnrolOn, raw.get(Field::EnrolOn), EnrolRule::parse, &EnrolRule::codes())).flatten();
        v.into_result(())?;
        Ok(CadenceDraft {
            name: name.unwrap_or_default(),
            description,
            exit_on_reply: yes(raw, Field::ExitOnReply),
            exit_on_buy: yes(raw, Field::ExitOnBuy),
            exit_on_visit: yes(raw, Field::ExitOnVisit),
            steps: out,
            starts_on,
            enrol_on,
        })
    }
}

/// The coffee shop's cadence of seed 001 lecture 5, as templates and steps: a greeting on day
/// 7, a brewing handbook 20 days later, a bean-choosing guide 18 days after that.
pub fn coffee_shop_example(lang: Lang) -> (CadenceDraft, Vec<TemplateDraft>) {
    let t = |name: &str, subject: &str, body: &str| TemplateDraft {
        name: name.into(),
        channel: MessageChannel::Email,
        subject: subject.into(),
        body: body.into(),
        provider_template: None,
    };
    let templates = match lang {
        Lang::ZhCn => vec![
            t(
                "新客第 7 天问候",
                "{{称呼}}，这一周的咖啡还合口味吗？",
                "{{称呼}}您好：\n\n一周前您第一次来到我们店，谢谢您！这一周的咖啡还合口味吗？如果有什么想法，直接回复这封邮件就好，{{负责人}}会亲自看。\n\n下次来店，报上您的名字，我们记得您的口味。\n\n{{负责人}} {{负责人电话}}",
            ),
            t(
                "冲煮手册",
                "送给{{称呼}}：在家冲一杯好咖啡的手册",
                "{{称呼}}您好：\n\n附上我们的冲煮手册：水温 90–94℃，粉水比 1:15，研磨度像细砂糖。照着做，在家也能冲出店里的味道。\n\n有问题随时找{{负责人}}。",
            ),
            t(
                "选豆指南",
                "{{称呼}}，怎样挑到合心意的咖啡豆",
                "{{称呼}}您好：\n\n喜欢明亮果酸的，可以试试埃塞俄比亚耶加雪菲；喜欢醇厚的，选哥伦比亚或苏门答腊。您上次买的是：{{最近订单}}。\n\n下次来店，我们帮您一起挑。\n\n{{负责人}} {{负责人电话}}",
            ),
        ],
        Lang::En => vec![
            t(
                "Day-7 greeting",
                "{{honorific}}, how was your first week of our coffee?",
                "Dear {{honorific}},\n\nA week ago you first came to our shop — thank you! Is the coffee to your taste? Just reply to this e-mail; {{owner_name}} reads every answer.\n\nNext time, tell us your name: we remember how you like it.\n\n{{owner_name}} {{owner_phone}}",
            ),
            t(
                "Brewing handbook",
                "For {{honorific}}: brewing a great cup at home",
                "Dear {{honorific}},\n\nHere is our brewing handbook: water at 90–94 °C, 1:15 coffee to water, a grind like fine sugar.\n\nAsk {{owner_name}} anything.",
            ),
            t(
                "Bean-choosing guide",
                "{{honorific}}, choosing beans you will love",
                "Dear {{honorific}},\n\nFor bright and fruity, try Ethiopian Yirgacheffe; for full-bodied, Colombia or Sumatra. Last time you bought: {{last_order}}.\n\n{{owner_name}} {{owner_phone}}",
            ),
        ],
    };
    let cadence = CadenceDraft {
        name: lang.pick("咖啡店新客跟进", "Coffee shop: new customers").into(),
        description: Some(
            lang.pick(
                "第 7 天问候，20 天后送冲煮手册，再过 18 天送选豆指南（种子课程第五讲）。",
                "A greeting on day 7, a brewing handbook 20 days later, a bean-choosing guide 18 days after that.",
            )
            .into(),
        ),
        exit_on_reply: true,
        exit_on_buy: false,
        exit_on_visit: false,
        // The template ids are filled in when the templates are saved.
        steps: [7, 20, 18]
            .into_iter()
            .map(|d| StepDraft {
                delay_days: d,
                kind: StepKind::Email,
                template_id: None,
                task_title: None,
                approve: false,
            })
            .collect(),
        starts_on: None,
        enrol_on: Some(EnrolRule::FirstPurchase),
    };
    (cadence, templates)
}

/// A task step's title for a kind of task, with a default kind.
pub fn task_kind_of(title: &str) -> TaskKind {
    let t = title.to_lowercase();
    if t.contains("电话") || t.contains("call") {
        TaskKind::Call
    } else if t.contains("拜访") || t.contains("visit") {
        TaskKind::Visit
    } else if t.contains("礼") || t.contains("gift") {
        TaskKind::Gift
    } else {
        TaskKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_fields_are_named_and_unknown_ones_refused() {
        let ok = merge_fields(Field::Body, "{{称呼}}您好，{{ name }}，{{称呼}}，{{Owner}}").unwrap();
        assert_eq!(ok, vec![MergeField::Honorific, MergeField::Name, MergeField::OwnerName]);
        let e = merge_fields(Field::Body, "您好 {{生日}}").unwrap_err();
        assert_eq!(e.value, "{{生日}}");
        assert!(e.message(Lang::ZhCn).contains("{{称呼}}"), "{}", e.message(Lang::ZhCn));
        assert!(merge_fields(Field::Body, "您好 {{称呼").is_err(), "an open {{ is refused");
    }

    #[test]
    fn a_template_is_filled_in_for_a_customer() {
        let d = MergeData {
            name: "王小明".into(),
            gender: Some(Gender::Male),
            is_person: true,
            owner_name: Some("李娜".into()),
            ..Default::default()
        };
        assert_eq!(render("{{称呼}}您好，我是{{负责人}}。{{公司}}", &d, Lang::ZhCn), "王先生您好，我是李娜。");
        let f =
            MergeData {
                name: "欧阳娜娜".into(), gender: Some(Gender::Female), is_person: true, ..Default::default()
            };
        assert_eq!(f.honorific(Lang::ZhCn), "欧阳女士");
        let org =
            MergeData {
                name: "华为技术".into(), gender: Some(Gender::Male), is_person: false, ..Default::default()
            };
        assert_eq!(org.honorific(Lang::ZhCn), "华为技术");
        assert_eq!(render("{{unknown}} {{", &d, Lang::En), "{{unknown}} {{");
    }

    #[test]
    fn consent_names_each_missing_part() {
        let d = ConsentDraft::parse("邮件", "同意", " 门店登记表 ").unwrap();
        assert_eq!((d.channel, d.state, d.how.as_str()), (MessageChannel::Email, ConsentState::Given, "门店登记表"));
        let fields: Vec<Field> = ConsentDraft::parse("fax", "", " ").unwrap_err().0.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::MessageChannel, Field::Consent, Field::ConsentHow]);
    }

    #[test]
    fn a_cadence_names_each_wrong_step() {
        let raw = Raw::new().with(Field::CadenceName, "回访");
        let e = CadenceDraft::parse(&raw, &[]).unwrap_err();
        assert_eq!(e.0[0].field, Field::Steps, "a cadence without steps");
        let steps = vec![
            Raw::new().with(Field::DelayDays, "-3").with(Field::StepAction, "email").with(Field::Template, "1"),
            Raw::new().with(Field::DelayDays, "5").with(Field::StepAction, "task"),
            Raw::new().with(Field::DelayDays, "5").with(Field::StepAction, "fax"),
        ];
        let e = CadenceDraft::parse(&raw, &steps).unwrap_err();
        let got: Vec<(Option<usize>, Field, String)> = e.0.iter().map(|e| (e.step, e.field, e.value.clone())).collect();
        assert!(got.contains(&(Some(1), Field::DelayDays, "-3".into())), "{got:?}");
        assert!(got.contains(&(Some(2), Field::TaskTitleTemplate, "".into())), "{got:?}");
        assert!(got.contains(&(Some(3), Field::StepAction, "fax".into())), "{got:?}");
        assert!(e.message(Lang::ZhCn).starts_with("第 1 步：间隔天数：“-3”"), "{}", e.message(Lang::ZhCn));
        assert!(e.message(Lang::En).contains("Step 3: "), "{}", e.message(Lang::En));
        let (c, templates) = coffee_shop_example(Lang::ZhCn);
        assert_eq!(c.steps.iter().map(|s| s.delay_days).collect::<Vec<_>>(), vec![7, 20, 18]);
        for t in templates {
            let raw = t.to_fields();
            assert_eq!(TemplateDraft::parse(&raw).unwrap(), t, "the example's templates pass their own checks");
        }
    }
}
