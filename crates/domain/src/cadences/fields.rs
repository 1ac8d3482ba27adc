//! The fields of message templates and cadences 跟进节奏.

use crate::error::fields;

fields! {
    TemplateName = "template_name", "模板名称", "Template name", [];
    CadenceName = "cadence_name", "节奏名称", "Cadence name", [];
    Description = "description", "说明", "Description", [];
    ExitOnReply = "exit_on_reply", "客户回复后退出", "Leave when they reply", [];
    ExitOnBuy = "exit_on_buy", "客户购买后退出", "Leave when they buy", [];
    ExitOnVisit = "exit_on_visit", "拜访后退出", "Leave when visited", [];
    Steps = "steps", "步骤", "Steps", [];
    StartsOn = "starts_on", "从这天开始", "Starts on", ["开始日期"];
    EnrolOn = "enrol_on", "自动加入", "Put in by itself", [] => super::EnrolRule;
    Festival = "festival", "节日", "Festival", [] => crate::festivals::Festival;
    DelayDays = "delay_days", "间隔天数", "Days after the previous step", [];
    StepAction = "step_action", "步骤内容", "What the step does", [] => super::StepKind;
    Template = "template", "消息模板", "Template", [];
    StepSend = "step_send", "发送方式", "How it is sent", [] => super::SendMode;
    TaskTitleTemplate = "step_task_title", "待办事项", "Task", [];
    Consent = "consent", "营销同意", "Marketing consent", [] => super::ConsentState;
    ConsentHow = "consent_how", "同意方式", "How it was given or withdrawn", [];
}
