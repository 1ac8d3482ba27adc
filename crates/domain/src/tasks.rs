//! Tasks 待办 (PRODUCT.md §7): something a person is to do by a day (and, if it matters, a time)
//! — call, visit, send, give a gift — for a customer, one of its key people or a deal, or on its
//! own. A task is done with what came of it, and can be logged as a contact in the same step;
//! it can be put off (snoozed) or given to someone else. Winning a deal creates its after-sales
//! tasks; cadences and reminders will create more.

pub mod fields;

use crate::archive::parse_id;
use crate::enums::vocabulary;
use crate::raw::Raw;
use crate::values::{choice, parse_business_date, required_text, text};
use crate::{Channel, Field, FieldError, Lang, Problem, Validation};
use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

vocabulary! {
    /// What kind of thing is to be done.
    TaskKind {
        Call = "call", "打电话", "Call", ["电话", "phone"];
        Visit = "visit", "拜访", "Visit", ["上门", "见面", "meeting"];
        Send = "send", "寄送", "Send", ["发送", "邮寄", "mail"];
        Gift = "gift", "送礼", "Gift", ["礼品", "礼物"];
        Other = "other", "其他", "Other", ["其它"];
    }
}

impl TaskKind {
    /// The channel a contact logged from a done task of this kind has unless one is chosen.
    pub fn channel(self) -> Channel {
        match self {
            TaskKind::Call => Channel::Phone,
            TaskKind::Visit | TaskKind::Gift => Channel::FaceToFace,
            TaskKind::Send => Channel::Letter,
            TaskKind::Other => Channel::Phone,
        }
    }
}

pub const MAX_TITLE: usize = 200;
pub const MAX_NOTES: usize = 4000;
pub const MAX_RESULT: usize = 2000;

/// A task as entered (a form, an API body, the command line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskDraft {
    pub title: String,
    pub kind: TaskKind,
    pub due_on: NaiveDate,
    /// China time of day, when the hour matters (a call at 14:30).
    pub due_time: Option<NaiveTime>,
    /// A username; `None` means whoever creates it.
    pub assignee: Option<String>,
    pub customer_id: Option<i64>,
    pub key_person_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub notes: Option<String>,
}

/// A time of day as people write it: `14:30`, `9:05`, `14:30:00`, `14点30`, `14时`.
pub fn parse_time(field: Field, input: &str) -> Result<Option<NaiveTime>, FieldError> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let normal = t.replace(['点', '时', '：'], ":").replace('分', "");
    let normal = normal.trim_end_matches(':');
    let with_minutes = if normal.contains(':') { normal.to_string() } else { format!("{normal}:00") };
    ["%H:%M", "%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(&with_minutes, f).ok())
        .map(Some)
        .ok_or_else(|| FieldError::new(field, t, Problem::InvalidTime))
}

impl TaskDraft {
    /// Reads a task; `due_on` empty means `today`.
    pub fn parse(raw: &Raw, today: NaiveDate) -> Result<TaskDraft, Validation> {
        let mut v = Validation::default();
        let title = v.take(required_text(Field::TaskTitle, raw.get(Field::TaskTitle), MAX_TITLE));
        let kind = v
            .take(choice(Field::TaskKind, raw.get(Field::TaskKind), TaskKind::parse, &TaskKind::codes()))
            .flatten()
            .unwrap_or(TaskKind::Other);
        let due_on = v.take(parse_business_date(Field::DueOn, raw.get(Field::DueOn))).flatten().unwrap_or(today);
        let due_time = v.take(parse_time(Field::DueTime, raw.get(Field::DueTime))).flatten();
        let assignee = v.take(text(Field::Assignee, raw.get(Field::Assignee), 64)).flatten();
        let customer_id = v.take(parse_id(Field::Customer, raw.get(Field::Customer))).flatten();
        let key_person_id = v.take(parse_id(Field::KeyPerson, raw.get(Field::KeyPerson))).flatten();
        let opportunity_id = v.take(parse_id(Field::Opportunity, raw.get(Field::Opportunity))).flatten();
        let notes = v.take(text(Field::Notes, raw.get(Field::Notes), MAX_NOTES)).flatten();
        match title {
            Some(title) if v.is_empty() => Ok(TaskDraft {
                title,
                kind,
                due_on,
                due_time,
                assignee,
                customer_id,
                key_person_id,
                opportunity_id,
                notes,
            }),
            _ => Err(v),
        }
    }

    /// The draft as fields, the inverse of `parse` (audit records, forms, the API).
    pub fn to_fields(&self) -> Raw {
        let mut r = Raw::new()
            .with(Field::TaskTitle, self.title.clone())
            .with(Field::TaskKind, self.kind.code())
            .with(Field::DueOn, self.due_on.to_string());
        let mut put = |f: Field, v: Option<String>| {
            if let Some(v) = v {
                r.set(f, v);
            }
        };
        put(Field::DueTime, self.due_time.map(|t| t.format("%H:%M").to_string()));
        put(Field::Assignee, self.assignee.clone());
        put(Field::Customer, self.customer_id.map(|i| i.to_string()));
        put(Field::KeyPerson, self.key_person_id.map(|i| i.to_string()));
        put(Field::Opportunity, self.opportunity_id.map(|i| i.to_string()));
        put(Field::Notes, self.notes.clone());
        r
    }
}

/// How a task was done: what came of it, and whether to log it as a contact with the customer
/// (on which channel; the task's kind gives one when none is chosen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskDone {
    pub result: Option<String>,
    pub log_contact: bool,
    pub channel: Option<Channel>,
}

impl TaskDone {
    pub fn parse(raw: &Raw) -> Result<TaskDone, Validation> {
        let mut v = Validation::default();
        let result = v.take(text(Field::TaskResult, raw.get(Field::TaskResult), MAX_RESULT)).flatten();
        let log_contact = v.take(crate::sales::parse_flag(Field::LogContact, raw.get(Field::LogContact)));
        let channel =
            v.take(choice(Field::Channel, raw.get(Field::Channel), Channel::parse, &Channel::codes())).flatten();
        match log_contact {
            Some(log_contact) if v.is_empty() => Ok(TaskDone { result, log_contact, channel }),
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_task_reads_with_every_problem_named() {
        let today = day("2026-12-06");
        let raw =
            Raw::new().with(Field::TaskTitle, "回访李总").with(Field::TaskKind, "电话").with(Field::DueTime, "14点30");
        let d = TaskDraft::parse(&raw, today).expect("valid");
        assert_eq!((d.kind, d.due_on, d.due_time), (TaskKind::Call, today, NaiveTime::from_hms_opt(14, 30, 0)));
        assert_eq!(TaskDraft::parse(&d.to_fields(), today), Ok(d));

        let bad = Raw::new()
            .with(Field::TaskKind, "跳舞")
            .with(Field::DueOn, "1900-01-01")
            .with(Field::DueTime, "25:00")
            .with(Field::Customer, "abc");
        let e = TaskDraft::parse(&bad, today).expect_err("invalid");
        let fields: Vec<Field> = e.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::TaskTitle, Field::TaskKind, Field::DueOn, Field::DueTime, Field::Customer]);
        assert!(e.message(Lang::ZhCn).contains("具体时间：“25:00” 不是有效的时间"), "{}", e.message(Lang::ZhCn));
        assert!(e.message(Lang::En).contains("is not a valid time"), "{}", e.message(Lang::En));
    }

    #[test]
    fn times_read_as_people_write_them() {
        for (typed, hm) in
            [("9:05", (9, 5)), ("14:30:00", (14, 30)), ("14点", (14, 0)), ("8时15分", (8, 15)), ("14：30", (14, 30))]
        {
            assert_eq!(parse_time(Field::DueTime, typed), Ok(NaiveTime::from_hms_opt(hm.0, hm.1, 0)), "{typed}");
        }
        assert!(parse_time(Field::DueTime, "noon").is_err());
        assert_eq!(parse_time(Field::DueTime, " "), Ok(None));
    }

    #[test]
    fn done_reads_the_flag_and_channel() {
        let d = TaskDone::parse(&Raw::new().with(Field::LogContact, "yes").with(Field::TaskResult, "约好下周面谈"))
            .expect("valid");
        assert!(d.log_contact && d.channel.is_none());
        assert!(TaskDone::parse(&Raw::new().with(Field::LogContact, "maybe")).is_err());
        assert_eq!(TaskKind::Visit.channel(), Channel::FaceToFace);
    }
}
