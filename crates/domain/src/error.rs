//! Validation errors that name the field and the value, in the user's language.

use crate::Lang;
use crate::enums::{Term, folded};
use serde::Serialize;

/// A field a user can type into. Errors name these, so the UI and the import report can point at
/// the exact input.
///
/// Each feature declares its own fields with [`fields!`] in its own module (`sales/fields.rs`,
/// …): `Field::Stage` is an associated constant defined there, and the feature's list is named
/// once in `crate::fields`, which parses headers against all of them. This module knows no
/// feature: a field carries its code, labels, import aliases and (for a closed vocabulary) the
/// terms its stored codes are shown as.
///
/// Two fields are the same when their codes are (codes are unique across features, a test in
/// `fields` checks); comparing is as cheap as comparing two short strings. Being compared by
/// code, fields are not used as `match` patterns: write `f == Field::Stage` or
/// `f.is_one_of(&[…])`.
#[derive(Clone, Copy)]
pub struct Field(&'static FieldDef);

/// What a field is: see [`fields!`].
#[derive(Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// The name in code (`Stage`), shown by `{:?}`.
    pub name: &'static str,
    /// The stable code used by the API, forms and audit records.
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Extra spellings an import header may use.
    pub aliases: &'static [&'static str],
    /// For a field holding a vocabulary's code: that vocabulary, so the code reads as its label.
    pub terms: Option<&'static [Term]>,
}

impl Field {
    pub const fn new(def: &'static FieldDef) -> Field {
        Field(def)
    }

    /// The stable code used by the API, forms and audit records.
    pub fn code(self) -> &'static str {
        self.0.code
    }

    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.0.zh, self.0.en)
    }

    /// The vocabulary this field's values come from, if it has one.
    pub fn terms(self) -> Option<&'static [Term]> {
        self.0.terms
    }

    /// Whether this is one of `fields`.
    pub fn is_one_of(self, fields: &[Field]) -> bool {
        fields.contains(&self)
    }

    /// Whether `input` names this field: its code, either label or an alias, ignoring case,
    /// spaces, `-` and `_`.
    pub fn is_named(self, input: &str) -> bool {
        let d = self.0;
        let same = |other: &str| folded(input).eq(folded(other));
        same(d.code) || same(d.zh) || same(d.en) || d.aliases.iter().any(|a| same(a))
    }

    /// A stored value as a person reads it: a code shown as its label in `lang` (`individual`
    /// → 个人), anything else as it is.
    pub fn display(self, value: &str, lang: Lang) -> String {
        match self.0.terms.and_then(|terms| Term::find(terms, value)) {
            Some(term) => lang.pick(term.zh, term.en).to_string(),
            None => value.to_string(),
        }
    }
}

impl PartialEq for Field {
    fn eq(&self, other: &Field) -> bool {
        self.0.code == other.0.code
    }
}

impl Eq for Field {}

impl std::hash::Hash for Field {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.code.hash(state)
    }
}

/// Fields order by code (codes are unique across features, a test in `fields` checks).
impl Ord for Field {
    fn cmp(&self, other: &Field) -> std::cmp::Ordering {
        self.0.code.cmp(other.0.code)
    }
}

impl PartialOrd for Field {
    fn partial_cmp(&self, other: &Field) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.code)
    }
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.code)
    }
}

/// Declares a feature's fields as associated constants of [`Field`] (`Field::Stage`) and lists
/// them as `ALL` in the calling module, in the order import headers are matched:
///
/// ```ignore
/// fields! {
///     Stage = "stage", "阶段", "Stage", ["销售阶段"] => super::Stage;
/// }
/// ```
///
/// code, Chinese label, English label, import aliases, and for a field holding a vocabulary's
/// code the vocabulary (so stored codes read as labels).
macro_rules! fields {
    (
        $( $(#[$meta:meta])* $name:ident = $code:literal, $zh:literal, $en:literal, [$($alias:literal),* $(,)?] $(=> $terms:ty)? ; )+
    ) => {
        #[allow(non_upper_case_globals)]
        impl $crate::error::Field {
            $(
                $(#[$meta])*
                pub const $name: $crate::error::Field = $crate::error::Field::new(&$crate::error::FieldDef {
                    name: stringify!($name),
                    code: $code,
                    zh: $zh,
                    en: $en,
                    aliases: &[$($alias),*],
                    terms: $crate::error::fields!(@terms $($terms)?),
                });
            )+
        }

        /// This feature's fields, in the order import headers are matched.
        pub const ALL: &[$crate::error::Field] = &[$($crate::error::Field::$name),+];
    };
    (@terms) => { None };
    (@terms $terms:ty) => { Some(<$terms>::TERMS) };
}
pub(crate) use fields;

/// The longest username, in characters ([`Problem::InvalidUsername`] says so).
pub const USERNAME_MAX: usize = 64;

/// What is wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    /// A username with characters other than letters, digits and `. _ - @`, or too long.
    InvalidUsername,
    /// A list with more items than allowed.
    TooMany {
        max: usize,
    },
    InvalidPhone,
    InvalidEmail,
    InvalidDate,
    /// Not a time of day (14:30).
    InvalidTime,
    /// Marked as a lunar date (农历…) but not one.
    InvalidLunarDate,
    /// Not a server's host name (a URL, spaces).
    InvalidHost,
    /// A template's `{{…}}` that is no merge field (or left open).
    UnknownMergeField {
        allowed: Vec<String>,
    },
    /// A date that reads well but cannot be meant (a next step in 1900, a birthday in 1800).
    DateOutOfRange {
        from: String,
        to: String,
    },
    DateInFuture,
    UnknownChoice {
        allowed: Vec<String>,
    },
    InvalidPreference,
    OnlyForIndividuals,
    /// A response recorded on a contact the customer started.
    OnlyForOutbound,
    OnlyForOrganizations,
    InvalidCharacters,
    UnknownUser,
    Taken,
    InvalidNumber,
    NoSuchRecord,
    InvalidAmount,
    NotANumber,
    OutOfRange {
        min: String,
        max: String,
    },
    /// A record that belongs to another customer (a key person on someone else's deal).
    OtherCustomer,
    /// A move that the stage's mandatory standard actions do not allow yet.
    ActionsMissing {
        actions: Vec<String>,
    },
    /// A win that the closing stage's mandatory standard actions do not allow yet.
    ActionsMissingToWin {
        actions: Vec<String>,
    },
    /// A change to an opportunity that is already won or lost.
    Closed,
    /// After-sales is reached by winning, not by moving.
    WinToEnter,
    /// A file over the size limit (in MB).
    FileTooLarge {
        max_mb: u32,
    },
    /// Files over a person's allowance (in MB).
    QuotaFull {
        max_mb: u32,
    },
    /// A change to what it already is.
    Unchanged,
    /// An outsider becomes a partner through friend or supplier first.
    SkipsAStage,
    /// A name that fits several records.
    Ambiguous {
        count: usize,
    },
    /// A customer named as related to itself.
    SameCustomer,
    /// A value that must be unique in a file, already on an earlier line.
    RepeatedInFile {
        line: usize,
    },
    /// Not a web address that customers can open (http or https, a host, nothing after it but
    /// a path).
    InvalidAddress,
    /// Not a web address a server can post to (`http://` or `https://`, a host, a path).
    InvalidUrl,
    /// A count that must be a whole number.
    NotAWholeNumber,
    /// A feature's own rule, said by the feature (its code and both texts): a problem only one
    /// feature has lives in that feature's file, not here.
    Rule(Box<Rule>),
}

/// A feature's own rule that a value breaks (see [`Problem::Rule`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The stable code an integration matches on (`template_for_other_channel`).
    pub rule: &'static str,
    pub zh: String,
    pub en: String,
}

impl Problem {
    /// A feature's rule, with its code and what it says in Chinese and English.
    pub fn rule(rule: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Problem {
        Problem::Rule(Box::new(Rule { rule, zh: zh.into(), en: en.into() }))
    }
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "required",
            Problem::TooLong { .. } => "too_long",
            Problem::TooMany { .. } => "too_many",
            Problem::InvalidUsername => "invalid_username",
            Problem::InvalidPhone => "invalid_phone",
            Problem::InvalidEmail => "invalid_email",
            Problem::InvalidDate => "invalid_date",
            Problem::InvalidTime => "invalid_time",
            Problem::InvalidLunarDate => "invalid_lunar_date",
            Problem::UnknownMergeField { .. } => "unknown_merge_field",
            Problem::InvalidHost => "invalid_host",
            Problem::DateOutOfRange { .. } => "date_out_of_range",
            Problem::DateInFuture => "date_in_future",
            Problem::UnknownChoice { .. } => "unknown_choice",
            Problem::InvalidPreference => "invalid_preference",
            Problem::OnlyForIndividuals => "only_for_individuals",
            Problem::OnlyForOutbound => "only_for_outbound",
            Problem::OnlyForOrganizations => "only_for_organizations",
            Problem::InvalidCharacters => "invalid_characters",
            Problem::UnknownUser => "unknown_user",
            Problem::Taken => "taken",
            Problem::InvalidNumber => "invalid_number",
            Problem::NoSuchRecord => "no_such_record",
            Problem::InvalidAmount => "invalid_amount",
            Problem::NotANumber => "not_a_number",
            Problem::OutOfRange { .. } => "out_of_range",
            Problem::OtherCustomer => "other_customer",
            Problem::ActionsMissing { .. } => "actions_missing",
            Problem::ActionsMissingToWin { .. } => "actions_missing_to_win",
            Problem::Closed => "closed",
            Problem::WinToEnter => "win_to_enter",
            Problem::FileTooLarge { .. } => "file_too_large",
            Problem::QuotaFull { .. } => "quota_full",
            Problem::Unchanged => "unchanged",
            Problem::SkipsAStage => "skips_a_stage",
            Problem::Ambiguous { .. } => "ambiguous",
            Problem::SameCustomer => "same_customer",
            Problem::InvalidAddress => "invalid_address",
            Problem::InvalidUrl => "invalid_url",
            Problem::NotAWholeNumber => "not_a_whole_number",
            Problem::RepeatedInFile { .. } => "repeated_in_file",
            Problem::Rule(r) => r.rule,
        }
    }

    /// The sentence that follows the field's name and the value.
    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Problem::Required, Lang::ZhCn) => "不能为空".into(),
            (Problem::Required, Lang::En) => "is required".into(),
            (Problem::TooLong { max }, Lang::ZhCn) => format!("太长，最多 {max} 个字符"),
            (Problem::TooLong { max }, Lang::En) => format!("is too long (at most {max} characters)"),
            (Problem::InvalidUsername, Lang::ZhCn) => {
                format!("只能使用英文字母、数字和 . _ - @（不能有空格或中文），最多 {} 个字符", USERNAME_MAX)
            }
            (Problem::InvalidUsername, Lang::En) => format!(
                "may use only letters a–z, digits and . _ - @ (no spaces), at most {} characters",
                USERNAME_MAX
            ),
            (Problem::TooMany { max }, Lang::ZhCn) => format!("项目太多，最多 {max} 项"),
            (Problem::TooMany { max }, Lang::En) => format!("has too many items (at most {max})"),
            (Problem::InvalidPhone, Lang::ZhCn) => {
                "不是有效的号码：手机号为 11 位（1 开头），座机如 010-12345678".into()
            }
            (Problem::InvalidPhone, Lang::En) => {
                "is not a valid number: a mobile has 11 digits starting with 1, a landline looks like 010-12345678".into()
            }
            (Problem::InvalidEmail, Lang::ZhCn) => "不是有效的邮箱地址（如 name@example.com）".into(),
            (Problem::InvalidEmail, Lang::En) => {
                "is not a valid e-mail address (like name@example.com)".into()
            }
            (Problem::DateOutOfRange { from, to }, Lang::ZhCn) => format!("不像是真的日期：应在 {from} 到 {to} 之间"),
            (Problem::DateOutOfRange { from, to }, Lang::En) => {
                format!("does not look like a real date: it should be between {from} and {to}")
            }
            (Problem::InvalidDate, Lang::ZhCn) => {
                "不是有效的日期，请写成 2024-03-15、2024/3/15 或 2024年3月15日".into()
            }
            (Problem::InvalidDate, Lang::En) => {
                "is not a valid date; write 2024-03-15, 2024/3/15 or 2024年3月15日".into()
            }
            (Problem::InvalidTime, Lang::ZhCn) => "不是有效的时间，请写成 14:30 或 14点30".into(),
            (Problem::InvalidTime, Lang::En) => "is not a valid time; write 14:30".into(),
            (Problem::InvalidHost, Lang::ZhCn) => "不是服务器地址：只写主机名，如 smtp.example.com（不带 http:// 和空格）".into(),
            (Problem::InvalidHost, Lang::En) => {
                "is not a server name: write only the host, such as smtp.example.com (no http://, no spaces)".into()
            }
            (Problem::UnknownMergeField { allowed }, Lang::ZhCn) => {
                format!("不是可用的合并字段（或缺少 }}}}），可用：{}", allowed.join("、"))
            }
            (Problem::UnknownMergeField { allowed }, Lang::En) => {
                format!("is not a merge field (or misses its }}}}); use one of {}", allowed.join(", "))
            }
            (Problem::InvalidLunarDate, Lang::ZhCn) => {
                "不是有效的农历日期，请写成 农历1980-08-16（闰月写 农历2023-闰02-10）".into()
            }
            (Problem::InvalidLunarDate, Lang::En) => {
                "is not a valid lunar date; write lunar 1980-08-16 (a leap month: lunar 2023-leap 02-10)".into()
            }
            (Problem::DateInFuture, Lang::ZhCn) => "不能晚于今天".into(),
            (Problem::DateInFuture, Lang::En) => "cannot be in the future".into(),
            (Problem::UnknownChoice { allowed }, Lang::ZhCn) => {
                format!("不是可选值，可选：{}", allowed.join("、"))
            }
            (Problem::UnknownChoice { allowed }, Lang::En) => {
                format!("is not one of the choices: {}", allowed.join(", "))
            }
            (Problem::InvalidPreference, Lang::ZhCn) => {
                "偏好项应写成“类别：内容”，每行一项（表格的一格里用分号隔开），如“饮品：冰摩卡”".into()
            }
            (Problem::InvalidPreference, Lang::En) => {
                "preference items look like \"category: value\", one per line (separated by semicolons in a spreadsheet cell), e.g. \"drink: iced mocha\"".into()
            }
            (Problem::OnlyForIndividuals, Lang::ZhCn) => "只适用于个人客户".into(),
            (Problem::OnlyForIndividuals, Lang::En) => "applies to individuals only".into(),
            (Problem::OnlyForOutbound, Lang::ZhCn) => "只用于我方主动的联系".into(),
            (Problem::OnlyForOutbound, Lang::En) => "applies to contacts we started only".into(),
            (Problem::OnlyForOrganizations, Lang::ZhCn) => "只适用于组织客户".into(),
            (Problem::OnlyForOrganizations, Lang::En) => "applies to organizations only".into(),
            (Problem::InvalidCharacters, Lang::ZhCn) => "含有不允许的控制字符".into(),
            (Problem::InvalidCharacters, Lang::En) => "contains control characters".into(),
            (Problem::UnknownUser, Lang::ZhCn) => "没有这个用户（或已停用）".into(),
            (Problem::UnknownUser, Lang::En) => "is not an active user".into(),
            (Problem::Taken, Lang::ZhCn) => "已被占用".into(),
            (Problem::Taken, Lang::En) => "is already taken".into(),
            (Problem::InvalidAmount, Lang::ZhCn) => "不是有效的金额（单位元，最多两位小数，如 1234.50）".into(),
            (Problem::InvalidAmount, Lang::En) => {
                "is not a valid amount (yuan, at most two decimals, like 1234.50)".into()
            }
            (Problem::InvalidNumber, Lang::ZhCn) => "不是有效的编号（正整数）".into(),
            (Problem::InvalidNumber, Lang::En) => "is not a valid number (a positive whole number)".into(),
            (Problem::NoSuchRecord, Lang::ZhCn) => "没有这条记录（或已删除）".into(),
            (Problem::NoSuchRecord, Lang::En) => "matches no record (or it was deleted)".into(),
            (Problem::NotANumber, Lang::ZhCn) => "不是数字".into(),
            (Problem::NotANumber, Lang::En) => "is not a number".into(),
            (Problem::OutOfRange { min, max }, Lang::ZhCn) => format!("应在 {min} 到 {max} 之间"),
            (Problem::OutOfRange { min, max }, Lang::En) => format!("must be between {min} and {max}"),
            (Problem::OtherCustomer, Lang::ZhCn) => "属于另一位客户".into(),
            (Problem::OtherCustomer, Lang::En) => "belongs to another customer".into(),
            (Problem::ActionsMissing { actions }, Lang::ZhCn) => {
                format!("还不能进入：这些必做动作未完成：{}（经理可填写理由越过）", actions.join("、"))
            }
            (Problem::ActionsMissing { actions }, Lang::En) => format!(
                "cannot be entered yet: these mandatory actions are not done: {} (a manager may override with a reason)",
                actions.join("; ")
            ),
            (Problem::ActionsMissingToWin { actions }, Lang::ZhCn) => {
                format!("还不能赢单：这些必做动作未完成：{}（经理可填写理由越过）", actions.join("、"))
            }
            (Problem::ActionsMissingToWin { actions }, Lang::En) => format!(
                "cannot be won yet: these mandatory actions are not done: {} (a manager may override with a reason)",
                actions.join("; ")
            ),
            (Problem::Closed, Lang::ZhCn) => "不能修改：商机已赢单或输单".into(),
            (Problem::Closed, Lang::En) => "cannot change: the opportunity is already won or lost".into(),
            (Problem::WinToEnter, Lang::ZhCn) => "售后服务阶段只能通过赢单进入".into(),
            (Problem::WinToEnter, Lang::En) => "after-sales is entered by winning the deal".into(),
            (Problem::FileTooLarge { max_mb }, Lang::ZhCn) => format!("文件太大，最大 {max_mb} MB"),
            (Problem::FileTooLarge { max_mb }, Lang::En) => format!("is too large (at most {max_mb} MB)"),
            (Problem::QuotaFull { max_mb }, Lang::ZhCn) => {
                format!("超出了每人最多 {max_mb} MB 的附件空间；请先删掉不再需要的文件")
            }
            (Problem::QuotaFull { max_mb }, Lang::En) => {
                format!("goes past the {max_mb} MB of files each person may keep; remove files no longer needed first")
            }
            (Problem::Unchanged, Lang::ZhCn) => "与现在相同，没有变化".into(),
            (Problem::Unchanged, Lang::En) => "is what it already is".into(),
            (Problem::Ambiguous { count }, Lang::ZhCn) => format!("对应 {count} 位客户，请填写关系编号指明是哪一位"),
            (Problem::Ambiguous { count }, Lang::En) => format!("fits {count} customers: give the Guanxi ID to say which"),
            (Problem::SameCustomer, Lang::ZhCn) => "就是这位客户本身".into(),
            (Problem::SameCustomer, Lang::En) => "is this customer itself".into(),
            (Problem::RepeatedInFile { line }, Lang::ZhCn) => format!("与第 {line} 行重复"),
            (Problem::RepeatedInFile { line }, Lang::En) => format!("repeats line {line}"),
            (Problem::NotAWholeNumber, Lang::ZhCn) => "不是整数".into(),
            (Problem::NotAWholeNumber, Lang::En) => "is not a whole number".into(),
            (Problem::Rule(r), lang) => lang.pick(&r.zh, &r.en).to_string(),
            (Problem::InvalidUrl, Lang::ZhCn) => "不是接口网址：应以 http:// 或 https:// 开头，如 https://sms.example.com/send".into(),
            (Problem::InvalidUrl, Lang::En) => {
                "is not a web address to send to: start with http:// or https://, such as https://sms.example.com/send".into()
            }
            (Problem::InvalidAddress, Lang::ZhCn) => {
                "不是客户能打开的网址：应以 http:// 或 https:// 开头，只写到路径为止（不带 ? 或 #），如 https://crm.example.com".into()
            }
            (Problem::InvalidAddress, Lang::En) => {
                "is not an address customers can open: start with http:// or https:// and end at the path (no ? or #), such as https://crm.example.com"
                    .into()
            }
            (Problem::SkipsAStage, Lang::ZhCn) => "不能从局外人直接成为合作伙伴：先成为朋友或供应商".into(),
            (Problem::SkipsAStage, Lang::En) => {
                "cannot be reached from outsider directly: become a friend or a supplier first".into()
            }
        }
    }
}

/// One field's problem, with the value as the user typed it (cut to a readable length).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: Field,
    pub value: String,
    pub problem: Problem,
    /// The step of a list the value belongs to (a cadence's third step), from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
}

impl FieldError {
    pub fn new(field: Field, value: &str, problem: Problem) -> FieldError {
        FieldError { field, value: shorten(value, 60), problem, step: None }
    }

    /// The same problem, said of step `n` of a list.
    pub fn in_step(self, n: usize) -> FieldError {
        FieldError { step: Some(n), ..self }
    }

    pub fn message(&self, lang: Lang) -> String {
        let label = self.field.label(lang);
        let problem = self.problem.describe(lang);
        // A vocabulary's code is shown as its label in the reader's language (never `approach`).
        let value = self.field.display(&self.value, lang);
        let step = match (self.step, lang) {
            (None, _) => String::new(),
            (Some(n), Lang::ZhCn) => format!("第 {n} 步："),
            (Some(n), Lang::En) => format!("Step {n}: "),
        };
        match (value.is_empty(), lang) {
            (true, Lang::ZhCn) => format!("{step}{label}：{problem}"),
            (true, Lang::En) => format!("{step}{label}: {problem}"),
            (false, Lang::ZhCn) => format!("{step}{label}：“{value}” {problem}"),
            (false, Lang::En) => format!("{step}{label}: \"{value}\" {problem}"),
        }
    }
}

fn shorten(value: &str, max_chars: usize) -> String {
    if value.chars().count() <= max_chars {
        value.to_string()
    } else {
        let mut s: String = value.chars().take(max_chars).collect();
        s.push('…');
        s
    }
}

/// All the problems found in one input, so that a form or an import row reports every
/// bad field at once rather than the first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Validation(pub Vec<FieldError>);

impl Validation {
    /// A single field's problem.
    pub fn one(field: Field, value: &str, problem: Problem) -> Validation {
        Validation(vec![FieldError::new(field, value, problem)])
    }

    pub fn push(&mut self, field: Field, value: &str, problem: Problem) {
        self.0.push(FieldError::new(field, value, problem));
    }

    /// A problem of step `n` (from 1) of a list.
    pub fn push_step(&mut self, n: usize, field: Field, value: &str, problem: Problem) {
        self.0.push(FieldError::new(field, value, problem).in_step(n));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the error of a parse and returns its value, if any.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn into_result<T>(self, value: T) -> Result<T, Validation> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }

    pub fn message(&self, lang: Lang) -> String {
        let sep = lang.pick("；", "; ");
        self.0.iter().map(|e| e.message(lang)).collect::<Vec<_>>().join(sep)
    }
}

impl std::fmt::Display for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Validation {}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_field_and_value_in_both_languages() {
        let e = FieldError::new(Field::Phone, "12345", Problem::InvalidPhone);
        assert!(e.message(Lang::ZhCn).starts_with("手机：“12345” 不是有效的号码"));
        assert!(e.message(Lang::En).starts_with("Phone: \"12345\" is not a valid number"));
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(500);
        let e = FieldError::new(Field::Name, &long, Problem::TooLong { max: 100 });
        assert!(e.value.chars().count() <= 61);
    }

    #[test]
    fn stored_codes_display_as_labels() {
        assert_eq!(Field::Kind.display("organization", Lang::ZhCn), "组织");
        assert_eq!(Field::DecisionRole.display("decision_maker", Lang::En), "Decision maker");
        assert_eq!(Field::City.display("杭州", Lang::En), "杭州");
    }
}
