//! Notifications 通知 (PRODUCT.md §7): what Guanxi tells a user — a task given to them, a customer
//! given to them, the reminders of the day — inside the app (the bell, with the unread count),
//! and by e-mail through the outbox for the kinds each user chooses.

use crate::enums::vocabulary;
use crate::{Email, Field, FieldError, Lang, Phone, Validation};

vocabulary! {
    /// What a notification is about; each user chooses per kind whether it also comes by e-mail.
    NotificationKind {
        TaskAssigned = "task_assigned", "有人给我分配了待办", "A task is given to me", [];
        CustomerAssigned = "customer_assigned", "有客户交给我负责", "A customer is given to me", [];
        Reminder = "reminder", "每天的生日和拜访提醒", "The day's birthdays and visits due", [];
    }
}

impl NotificationKind {
    /// Whether it comes by e-mail for a user who has not chosen: a task given by someone else
    /// does; the rest stay in the app.
    pub fn by_email_unless_chosen(self) -> bool {
        matches!(self, NotificationKind::TaskAssigned)
    }
}

/// The title of "`by` gave you the task `title`".
pub fn task_assigned(lang: Lang, by: &str, title: &str) -> String {
    match lang {
        Lang::ZhCn => format!("{by}给你分配了待办：{title}"),
        Lang::En => format!("{by} gave you a task: {title}"),
    }
}

/// The title of "`by` gave you the customer `name`".
pub fn customer_assigned(lang: Lang, by: &str, name: &str) -> String {
    match lang {
        Lang::ZhCn => format!("{by}把客户“{name}”交给你负责"),
        Lang::En => format!("{by} gave you the customer {name}"),
    }
}

/// The morning digest: how many birthdays, visits due and tasks due (or overdue) today.
pub fn day_digest(lang: Lang, birthdays: usize, visits: i64, tasks: i64) -> String {
    let mut parts = Vec::new();
    match lang {
        Lang::ZhCn => {
            if birthdays > 0 {
                parts.push(format!("{birthdays} 位过生日"));
            }
            if visits > 0 {
                parts.push(format!("{visits} 位客户该拜访了"));
            }
            if tasks > 0 {
                parts.push(format!("{tasks} 项待办到期"));
            }
            format!("今天：{}", parts.join("，"))
        }
        Lang::En => {
            let n = |k: i64, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
            if birthdays > 0 {
                parts.push(n(birthdays as i64, "birthday", "birthdays"));
            }
            if visits > 0 {
                parts.push(n(visits, "customer due for a visit", "customers due for a visit"));
            }
            if tasks > 0 {
                parts.push(n(tasks, "task due", "tasks due"));
            }
            format!("Today: {}", parts.join(", "))
        }
    }
}

/// A user's own contact details as entered on their account page: an e-mail address for
/// notifications and a phone for templates' {{负责人电话}}; both may be empty.
pub fn parse_contact(email: &str, phone: &str) -> Result<(Option<String>, Option<String>), Validation> {
    let mut v = Validation::default();
    let email = match email.trim() {
        "" => None,
        e => v.take(Email::parse(e).map(|e| e.as_str().to_string())),
    };
    let phone = match phone.trim() {
        "" => None,
        p => {
            v.take(Phone::parse(p).map(|p| p.as_str().to_string()).map_err(|e| FieldError { field: Field::Phone, ..e }))
        }
    };
    v.into_result((email, phone))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_are_checked() {
        assert_eq!(parse_contact(" ", "").unwrap(), (None, None));
        assert_eq!(
            parse_contact("zhang@example.com", "138 0013 8000").unwrap(),
            (Some("zhang@example.com".into()), Some("13800138000".into()))
        );
        let e = parse_contact("zhang", "12").unwrap_err();
        let fields: Vec<Field> = e.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::Email, Field::Phone]);
        assert_eq!(task_assigned(Lang::ZhCn, "张伟", "回访"), "张伟给你分配了待办：回访");
    }
}
