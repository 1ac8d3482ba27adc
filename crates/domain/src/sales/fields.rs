//! The sales process's fields: opportunities, the purchasing-power/authority/need check,
//! objections, standard actions and stage settings.

use crate::error::fields;

fields! {
    Customer = "customer", "客户", "Customer", [];
    Title = "title", "商机名称", "Title", ["商机"];
    ExpectedClose = "expected_close", "预计成交日期", "Expected close", ["预计成交"];
    Stage = "stage", "阶段", "Stage", ["销售阶段"] => super::Stage;
    Probability = "probability", "赢单概率（%）", "Probability (%)", ["概率", "赢率"];
    Competitors = "competitors", "竞争对手", "Competitors", ["竞品", "对手"];
    Proposal = "proposal", "方案", "Proposal", ["解决方案", "报价方案"];
    PurchasingPower = "purchasing_power", "购买能力", "Purchasing power", [];
    PowerEvidence = "power_evidence", "购买能力依据", "Purchasing power: evidence", [];
    DecisionAuthority = "decision_authority", "购买决策权", "Decision authority", ["决策权"];
    AuthorityEvidence = "authority_evidence", "决策权依据", "Decision authority: evidence", [];
    Need = "need", "需求", "Need", [];
    NeedEvidence = "need_evidence", "需求依据", "Need: evidence", [];
    Appointment = "appointment", "约见方式", "Appointment method", ["约见"] => crate::value::settings::Approach;
    Preparation = "preparation", "推销准备", "Preparation", ["准备工作"];
    Objection = "objection", "异议内容", "Objection", ["异议"];
    Cause = "cause", "异议原因", "Cause", ["原因"] => super::ObjectionCause;
    Answer = "answer", "答复与方案", "Answer", ["答复"];
    Resolved = "resolved", "已解决", "Resolved", [];
    ClosedOn = "closed_on", "成交日期", "Close date", [];
    LostReason = "lost_reason", "输单原因", "Reason lost", [];
    LostTo = "lost_to", "输给", "Lost to", ["输给竞争对手"];
    OverrideReason = "override_reason", "越过检查的理由", "Override reason", [];
    Plan = "plan", "应对计划", "Plan", [];
    Action = "action", "标准动作", "Standard action", [];
    Why = "why", "为什么", "Why", [];
    Mandatory = "mandatory", "必做", "Mandatory", [];
    Requires = "requires", "完成条件", "Done when", [];
    StalledDays = "stalled_days", "停滞天数", "Stalled after (days)", [];
    DueInDays = "due_in_days", "期限（天）", "Due in (days)", [];
    Opportunity = "opportunity", "商机", "Opportunity", ["商机编号"];
    Place = "place", "地点", "Place", [];
}
