//! The audit log.

catalogue! {
    audit_intro => "谁在什么时候做了什么：每一处修改、导入导出、登录与失败、API 令牌的使用（每天首次），以及来源地址。", "Who did what and when: every change, import and export, sign-ins and failures, API token use (first each day), with the client's address.";
    audit_who => "用户", "User";
    audit_action => "动作", "Action";
    audit_entity => "对象", "Record";
    audit_client => "来源地址", "Client";
    audit_older => "更早的记录", "Older entries";
    audit_none => "没有符合条件的记录。", "No entry matches.";
}
