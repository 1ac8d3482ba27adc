//! The fields of a task 待办: what, when, for whom, and what came of it.

use crate::error::fields;

fields! {
    TaskTitle = "task_title", "待办事项", "Task", ["待办", "任务", "事项"];
    TaskKind = "task_kind", "待办类型", "Task type", ["任务类型"] => super::TaskKind;
    DueOn = "due_on", "到期日", "Due", ["截止日期", "due date", "due"];
    DueTime = "due_time", "具体时间", "At (time)", ["到期时间", "due time"];
    Assignee = "assignee", "执行人", "Assigned to", ["指派给", "assigned to"];
    TaskResult = "result", "办理结果", "What came of it", ["办理情况"];
    LogContact = "log_contact", "记为一次联系", "Log it as a contact", [];
}
