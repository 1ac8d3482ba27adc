//! The archive's fields: a customer, an organization's profile, key people and the people around
//! them, contacts and their attachments.

use crate::error::fields;

fields! {
    Id = "id", "关系编号", "Guanxi ID", ["guanxi id", "guanxi_id", "系统编号"];
    Kind = "kind", "客户类型", "Customer type", ["type", "类型", "客户类别"] => crate::CustomerKind;
    Status = "status", "客户状态", "Status", ["状态"] => crate::CustomerStatus;
    Purpose = "purpose", "客户分类", "Purpose", ["分类", "用途"] => crate::CustomerPurpose;
    NeedsOrientation = "needs_orientation", "需求取向", "Needs orientation", ["取向"] => crate::NeedsOrientation;
    Name = "name", "名称", "Name", ["姓名", "客户名称", "名字", "customer name", "full name", "公司名称", "客户"];
    Source = "source", "来源", "Source", ["客户来源", "lead source"];
    Owner = "owner", "负责人", "Owner", ["客户经理", "归属", "所属销售", "owner username"];
    Tags = "tags", "标签", "Tags", ["tag"];
    ExternalId = "external_id", "外部编号", "External ID", ["客户编号", "ext id", "外部id", "external id"];
    Phone = "phone", "手机", "Phone", ["电话", "手机号", "手机号码", "联系电话", "mobile", "tel", "telephone"];
    Email = "email", "邮箱", "E-mail", ["电子邮件", "电子邮箱", "mail", "e-mail"];
    Wechat = "wechat", "微信", "WeChat", ["微信号", "wechat id"];
    Address = "address", "地址", "Address", ["联系地址", "详细地址"];
    City = "city", "城市", "City", ["所在城市", "市"];
    Notes = "notes", "备注", "Notes", ["说明", "remark", "remarks"];
    Gender = "gender", "性别", "Gender", ["sex"] => crate::Gender;
    Birthday = "birthday", "生日", "Birthday", ["出生日期", "birth date", "date of birth", "dob"];
    Family = "family", "家庭情况", "Family", ["家庭"];
    Employer = "employer", "公司", "Company", ["单位", "工作单位", "所在公司", "company", "organization name"];
    JobTitle = "job_title", "职务", "Job title", ["职位", "title", "岗位"];
    Motives = "motives", "购买动机", "Motives", ["动机"];
    Personality = "personality", "性格", "Personality", ["个性"];
    Beliefs = "beliefs", "信念", "Beliefs", ["信仰"];
    Attitudes = "attitudes", "态度倾向", "Attitudes", [];
    Interests = "interests", "兴趣爱好", "Interests", ["爱好", "兴趣", "hobbies"];
    PreferencesNote = "preferences_note", "偏好说明", "Preferences (notes)", [];
    Preferences = "preferences", "偏好", "Preferences", ["喜好", "偏好项"];
    Industry = "industry", "行业", "Industry", ["所属行业"];
    FoundedOn = "founded_on", "成立日期", "Founded", ["成立时间", "founded", "founding date"];
    Size = "size", "规模", "Size", ["企业规模", "人数"] => crate::OrgSize;
    SalesCapacity = "sales_capacity", "销售能力", "Sales capacity", [];
    BusinessResults = "business_results", "经营业绩", "Business results", ["业绩"];
    Potential = "potential", "发展潜力", "Potential", ["潜力"];
    Prospects = "prospects", "发展前景", "Prospects", ["前景"];
    TradingTerms = "trading_terms", "交易条件", "Trading terms", ["付款条件", "terms"];
    CreditRating = "credit_rating", "信用等级", "Credit rating", ["信用", "credit"] => crate::CreditRating;
    Closeness = "closeness", "关系紧密度", "Closeness", ["紧密度"] => crate::Closeness;
    DecisionRole = "decision_role", "决策角色", "Decision role", ["决策链角色", "role in decision"] => crate::DecisionRole;
    Attitude = "attitude", "对我方态度", "Attitude to us", ["态度"] => crate::Attitude;
    Department = "department", "部门", "Department", [];
    Relation = "relation", "关系", "Relation", ["与客户关系"] => crate::Relation;
    KeyPerson = "key_person", "关键人物", "Key person", [];
    Channel = "channel", "渠道", "Channel", ["联系方式", "接触渠道"] => crate::Channel;
    Direction = "direction", "方向", "Direction", [] => crate::Direction;
    OccurredAt = "occurred_at", "时间", "Time", ["发生时间", "联系时间", "when"];
    Summary = "summary", "内容摘要", "Summary", ["内容", "摘要", "谈话内容"];
    NextStep = "next_step", "下一步", "Next step", ["下一步计划"];
    NextStepOn = "next_step_on", "下一步日期", "Next step date", [];
    OurParticipants = "our_participants", "我方参与人", "Our participants", [];
    TheirParticipants = "their_participants", "客户方参与人", "Their participants", [];
    Attachment = "attachment", "附件", "Attachment", ["文件"];
    Response = "response", "对方回应", "Response", ["回应", "是否接听"] => crate::Response;
    Feedback = "feedback", "意见反馈", "Feedback", ["反馈"] => crate::Feedback;
}
