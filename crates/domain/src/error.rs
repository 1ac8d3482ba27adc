//! Validation errors that name the field and the value, in the user's language.

use crate::Lang;
use crate::enums::vocabulary;
use serde::Serialize;

vocabulary! {
    /// Every field a user can type into. Errors name these, so the UI and the import report
    /// can point at the exact input.
    Field {
        Id = "id", "关系编号", "Guanxi ID", ["guanxi id", "guanxi_id", "系统编号"];
        Kind = "kind", "客户类型", "Customer type", ["type", "类型", "客户类别"];
        Status = "status", "客户状态", "Status", ["状态"];
        Purpose = "purpose", "客户分类", "Purpose", ["分类", "用途"];
        NeedsOrientation = "needs_orientation", "需求取向", "Needs orientation", ["取向"];
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
        Gender = "gender", "性别", "Gender", ["sex"];
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
        Size = "size", "规模", "Size", ["企业规模", "人数"];
        SalesCapacity = "sales_capacity", "销售能力", "Sales capacity", [];
        BusinessResults = "business_results", "经营业绩", "Business results", ["业绩"];
        Potential = "potential", "发展潜力", "Potential", ["潜力"];
        Prospects = "prospects", "发展前景", "Prospects", ["前景"];
        TradingTerms = "trading_terms", "交易条件", "Trading terms", ["付款条件", "terms"];
        CreditRating = "credit_rating", "信用等级", "Credit rating", ["信用", "credit"];
        Closeness = "closeness", "关系紧密度", "Closeness", ["紧密度"];
        DecisionRole = "decision_role", "决策角色", "Decision role", ["决策链角色", "role in decision"];
        Attitude = "attitude", "对我方态度", "Attitude to us", ["态度"];
        Department = "department", "部门", "Department", [];
        Relation = "relation", "关系", "Relation", ["与客户关系"];
        KeyPerson = "key_person", "关键人物", "Key person", [];
        Channel = "channel", "渠道", "Channel", ["联系方式", "接触渠道"];
        Direction = "direction", "方向", "Direction", [];
        OccurredAt = "occurred_at", "时间", "Time", ["发生时间", "联系时间", "when"];
        Summary = "summary", "内容摘要", "Summary", ["内容", "摘要", "谈话内容"];
        NextStep = "next_step", "下一步", "Next step", ["下一步计划"];
        NextStepOn = "next_step_on", "下一步日期", "Next step date", [];
        OurParticipants = "our_participants", "我方参与人", "Our participants", [];
        TheirParticipants = "their_participants", "客户方参与人", "Their participants", [];
        Username = "username", "用户名", "Username", ["login", "账号"];
        DisplayName = "display_name", "显示名", "Display name", [];
        Role = "role", "角色", "Role", [];
        Team = "team", "团队", "Team", ["小组"];
        OrderNo = "order_no", "订单号", "Order number", ["订单编号", "单号", "order id", "order number"];
        OrderedAt = "ordered_at", "下单时间", "Order time", ["订单日期", "下单日期", "成交日期", "订单时间", "order date", "order time"];
        Amount = "amount", "金额", "Amount", ["订单金额", "销售额", "实付金额", "成交金额", "revenue"];
        Cost = "cost", "成本", "Cost", ["成本金额"];
        Category = "category", "产品类别", "Product category", ["品类", "类别", "产品分类", "product category"];
        SalesChannel = "sales_channel", "销售渠道", "Sales channel", ["渠道类型", "sales channel"];
        Branch = "branch", "门店", "Store / branch", ["分店", "网点", "store"];
        ValueUnit = "unit", "模型时间单位", "Model time unit", [];
        WindowDays = "window_days", "分析窗口（天）", "Window (days)", [];
        Basis = "basis", "ABC 排名依据", "ABC ranked by", [];
        AShare = "a_share", "A 类累计占比（%）", "A share (%)", [];
        BShare = "b_share", "B 类占比（%）", "B share (%)", [];
        SmallBelow = "small_below", "小客户门槛（元）", "Small-customer threshold (yuan)", [];
        TopN = "top_n", "大客户候选人数", "Big-customer candidates", [];
        HorizonMonths = "horizon_months", "预测期（月）", "Forecast horizon (months)", [];
        AnnualRate = "annual_rate", "年折现率（%）", "Annual discount rate (%)", [];
        MarginRate = "margin_rate", "无成本数据时的毛利率（%）", "Margin rate without costs (%)", [];
        ChurnBelow = "churn_below", "流失预警：P(活跃) 低于（%）", "Churn watch: P(alive) below (%)", [];
        OverdueFactor = "overdue_factor", "逾期倍数（相对自身购买节奏）", "Overdue factor (times own rhythm)", [];
        LifetimeYears = "lifetime_years", "客户预期合作年限（挽回时计算终身损失）", "Expected customer lifetime in years (for the win-back loss)", [];
        WeightMonetary = "weight_monetary", "权重：金额贡献", "Weight: monetary", [];
        WeightLoyalty = "weight_loyalty", "权重：忠诚度", "Weight: loyalty", [];
        WeightStability = "weight_stability", "权重：稳定性", "Weight: stability", [];
        WeightTolerance = "weight_tolerance", "权重：宽容度", "Weight: tolerance", [];
        WeightFeedback = "weight_feedback", "权重：反馈", "Weight: feedback", [];
        WeightReferrals = "weight_referrals", "权重：转介绍", "Weight: referrals", [];
        WeightCredit = "weight_credit", "权重：信用", "Weight: credit", [];
        ApproachKey = "approach_key", "主客户接触方式", "Key accounts: approach", [];
        ApproachMajor = "approach_major", "大客户接触方式", "Major: approach", [];
        ApproachRegular = "approach_regular", "普通客户接触方式", "Regular: approach", [];
        ApproachSmall = "approach_small", "小客户接触方式", "Small: approach", [];
        ServiceKey = "service_key", "主客户服务方式", "Key accounts: service", [];
        ServiceMajor = "service_major", "大客户服务方式", "Major: service", [];
        ServiceRegular = "service_regular", "普通客户服务方式", "Regular: service", [];
        ServiceSmall = "service_small", "小客户服务方式", "Small: service", [];
        Customer = "customer", "客户", "Customer", [];
        Title = "title", "商机名称", "Title", ["商机"];
        ExpectedClose = "expected_close", "预计成交日期", "Expected close", ["预计成交"];
        Stage = "stage", "阶段", "Stage", ["销售阶段"];
        Probability = "probability", "赢单概率（%）", "Probability (%)", ["概率", "赢率"];
        Competitors = "competitors", "竞争对手", "Competitors", ["竞品", "对手"];
        Proposal = "proposal", "方案", "Proposal", ["解决方案", "报价方案"];
        PurchasingPower = "purchasing_power", "购买能力", "Purchasing power", [];
        PowerEvidence = "power_evidence", "购买能力依据", "Purchasing power: evidence", [];
        DecisionAuthority = "decision_authority", "购买决策权", "Decision authority", ["决策权"];
        AuthorityEvidence = "authority_evidence", "决策权依据", "Decision authority: evidence", [];
        Need = "need", "需求", "Need", [];
        NeedEvidence = "need_evidence", "需求依据", "Need: evidence", [];
        Appointment = "appointment", "约见方式", "Appointment method", ["约见"];
        Preparation = "preparation", "推销准备", "Preparation", ["准备工作"];
        Objection = "objection", "异议内容", "Objection", ["异议"];
        Cause = "cause", "异议原因", "Cause", ["原因"];
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
        Attachment = "attachment", "附件", "Attachment", ["文件"];
        RelationshipStage = "relationship_stage", "关系阶段", "Relationship stage", [];
        RelationshipLevel = "relationship_level", "关系层次", "Relationship level", [];
        Competitor = "competitor", "竞争对手", "Competitor", [];
        CompetitorWho = "who", "是谁", "Who they are", [];
        Situation = "situation", "现状", "Their situation", [];
        Analysis = "analysis", "分析", "Analysis", [];
        Heading = "heading", "发展方向", "Direction", [];
        Intent = "intent", "战略意图", "Strategic intent", [];
        Steer = "steer", "如何引导其行为", "How we steer them", [];
        Evidence = "evidence", "依据", "Evidence", [];
        Engagement = "engagement", "接触程度", "Engagement", [];
        Since = "since", "开始日期", "Since", [];
        Response = "response", "对方回应", "Response", ["回应", "是否接听"];
        Feedback = "feedback", "意见反馈", "Feedback", ["反馈"];
        WalletShare = "wallet_share", "我们在客户同类采购中的份额（%）", "Our share of their spending (%)", ["份额", "钱包份额"];
        About = "about", "调查起因", "Survey after", ["起因"];
        Reference = "reference", "关联（订单号、拜访或工单）", "Reference (order, visit or ticket)", ["关联"];
        Satisfied = "satisfied", "您对我们满意吗", "Are you satisfied with us", ["满意"];
        BuyAgain = "buy_again", "您会再次购买吗", "Will you buy from us again", ["再次购买"];
        Recommend = "recommend", "您会向朋友推荐我们吗", "Will you recommend us to friends", ["推荐"];
        Expectation = "expectation", "您原先的期望（1–5）", "What you expected (1–5)", ["期望"];
        Experience = "experience", "实际得到的（1–5）", "What you got (1–5)", ["实际"];
        Comment = "comment", "意见与建议", "Comments", ["评语"];
        Respondent = "respondent", "填写人", "Answered by", [];
        Referrer = "referrer", "推荐人（客户编号或全名）", "Referred by (Guanxi ID or full name)", ["推荐人", "介绍人"];
        ReferrerPerson = "referrer_person", "推荐人中的联系人", "Referrer's key person", ["推荐联系人"];
        ReferredOn = "referred_on", "推荐日期", "Referred on", [];
        RewardKind = "reward_kind", "奖励方式", "Reward", ["奖励"];
        Reward = "reward", "奖励内容", "Reward given", [];
        RewardValue = "reward_value", "奖励价值（元）", "Reward value (yuan)", [];
        AttemptWhat = "what", "说了什么、做了什么", "What we said or did", [];
        TheirResponse = "their_response", "客户的反应", "Their response", [];
        Outcome = "outcome", "结果", "Outcome", [];
        OutcomeReason = "outcome_reason", "原因", "Reason", [];
        PointsOutFlaws = "points_out_flaws", "指出我们产品的不足", "Points out our product's flaws", [];
        PointsOutFlawsNote = "points_out_flaws_note", "指出我们产品的不足：备注", "Points out our product's flaws: note", [];
        LikesBusinessTalk = "likes_business_talk", "喜欢与我们讨论业务", "Likes to discuss business with us", [];
        LikesBusinessTalkNote = "likes_business_talk_note", "喜欢与我们讨论业务：备注", "Likes to discuss business with us: note", [];
        ThinksWeAreBest = "thinks_we_are_best", "认为我们是最好的", "Thinks we are the best", [];
        ThinksWeAreBestNote = "thinks_we_are_best_note", "认为我们是最好的：备注", "Thinks we are the best: note", [];
        NoCompetitorContract = "no_competitor_contract", "不与竞争对手签约", "Does not sign with competitors", [];
        NoCompetitorContractNote = "no_competitor_contract_note", "不与竞争对手签约：备注", "Does not sign with competitors: note", [];
        PutsOffCompetitors = "puts_off_competitors", "推迟与竞争对手的谈判", "Puts off talks with competitors", [];
        PutsOffCompetitorsNote = "puts_off_competitors_note", "推迟与竞争对手的谈判：备注", "Puts off talks with competitors: note", [];
        BelievesWeHelp = "believes_we_help", "相信我们能帮助他们成功", "Believes we help them succeed", [];
        BelievesWeHelpNote = "believes_we_help_note", "相信我们能帮助他们成功：备注", "Believes we help them succeed: note", [];
        NoCompetitorProducts = "no_competitor_products", "不选用竞争对手的产品", "Does not choose competitors' products", [];
        NoCompetitorProductsNote = "no_competitor_products_note", "不选用竞争对手的产品：备注", "Does not choose competitors' products: note", [];
        NeedsUs = "needs_us", "需要我们就像我们需要他们", "Needs us as we need them", [];
        NeedsUsNote = "needs_us_note", "需要我们就像我们需要他们：备注", "Needs us as we need them: note", [];
        AnswersCalls = "answers_calls", "接听我们的电话", "Answers our calls", [];
        AnswersCallsNote = "answers_calls_note", "接听我们的电话：备注", "Answers our calls: note", [];
        ScoldsUs = "scolds_us", "时常骂我们", "Scolds us now and then", [];
        ScoldsUsNote = "scolds_us_note", "时常骂我们：备注", "Scolds us now and then: note", [];
        PublicUrl = "public_url", "公开地址", "Public address", [];
    }
}

impl Field {
    /// A stored value as a person reads it: a code shown as its label in `lang` (`individual`
    /// → 个人), anything else as it is.
    pub fn display(self, value: &str, lang: Lang) -> String {
        use crate::*;
        let label = match self {
            Field::Kind => CustomerKind::parse(value).map(|v| v.label(lang)),
            Field::Status => CustomerStatus::parse(value).map(|v| v.label(lang)),
            Field::Purpose => CustomerPurpose::parse(value).map(|v| v.label(lang)),
            Field::NeedsOrientation => NeedsOrientation::parse(value).map(|v| v.label(lang)),
            Field::Gender => Gender::parse(value).map(|v| v.label(lang)),
            Field::Size => OrgSize::parse(value).map(|v| v.label(lang)),
            Field::CreditRating => CreditRating::parse(value).map(|v| v.label(lang)),
            Field::Closeness => Closeness::parse(value).map(|v| v.label(lang)),
            Field::DecisionRole => DecisionRole::parse(value).map(|v| v.label(lang)),
            Field::Attitude => Attitude::parse(value).map(|v| v.label(lang)),
            Field::Relation => Relation::parse(value).map(|v| v.label(lang)),
            Field::Channel => Channel::parse(value).map(|v| v.label(lang)),
            Field::Direction => Direction::parse(value).map(|v| v.label(lang)),
            Field::Role => Role::parse(value).map(|v| v.label(lang)),
            Field::SalesChannel => SalesChannel::parse(value).map(|v| v.label(lang)),
            Field::Response => Response::parse(value).map(|v| v.label(lang)),
            Field::Feedback => Feedback::parse(value).map(|v| v.label(lang)),
            Field::About => crate::standing::SurveyAbout::parse(value).map(|v| v.label(lang)),
            Field::RewardKind => crate::winback::RewardKind::parse(value).map(|v| v.label(lang)),
            Field::Stage => crate::sales::Stage::parse(value).map(|v| v.label(lang)),
            Field::Cause => crate::sales::ObjectionCause::parse(value).map(|v| v.label(lang)),
            Field::Appointment => crate::value::settings::Approach::parse(value).map(|v| v.label(lang)),
            Field::RelationshipStage => crate::relationship::RelationshipStage::parse(value).map(|v| v.label(lang)),
            Field::RelationshipLevel => crate::relationship::RelationshipLevel::parse(value).map(|v| v.label(lang)),
            Field::Engagement => crate::competitors::EngagementKind::parse(value).map(|v| v.label(lang)),
            Field::PointsOutFlaws
            | Field::LikesBusinessTalk
            | Field::ThinksWeAreBest
            | Field::NoCompetitorContract
            | Field::PutsOffCompetitors
            | Field::BelievesWeHelp
            | Field::NoCompetitorProducts
            | Field::NeedsUs
            | Field::AnswersCalls
            | Field::ScoldsUs => crate::health::Answer::parse(value).map(|v| v.label(lang)),
            _ => None,
        };
        label.map(str::to_string).unwrap_or_else(|| value.to_string())
    }
}

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
            Problem::RepeatedInFile { .. } => "repeated_in_file",
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
                format!("只能使用英文字母、数字和 . _ - @（不能有空格或中文），最多 {} 个字符", crate::values::USERNAME_MAX)
            }
            (Problem::InvalidUsername, Lang::En) => format!(
                "may use only letters a–z, digits and . _ - @ (no spaces), at most {} characters",
                crate::values::USERNAME_MAX
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
}

impl FieldError {
    pub fn new(field: Field, value: &str, problem: Problem) -> FieldError {
        FieldError { field, value: shorten(value, 60), problem }
    }

    pub fn message(&self, lang: Lang) -> String {
        let label = self.field.label(lang);
        let problem = self.problem.describe(lang);
        // A vocabulary's code is shown as its label in the reader's language (never `approach`).
        let value = self.field.display(&self.value, lang);
        match (value.is_empty(), lang) {
            (true, Lang::ZhCn) => format!("{label}：{problem}"),
            (true, Lang::En) => format!("{label}: {problem}"),
            (false, Lang::ZhCn) => format!("{label}：“{value}” {problem}"),
            (false, Lang::En) => format!("{label}: \"{value}\" {problem}"),
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

    #[test]
    fn field_headers_map_from_chinese_and_english() {
        assert_eq!(Field::parse("姓名"), Some(Field::Name));
        assert_eq!(Field::parse("手机号码"), Some(Field::Phone));
        assert_eq!(Field::parse("Company"), Some(Field::Employer));
        assert_eq!(Field::parse("E-mail"), Some(Field::Email));
        assert_eq!(Field::parse("公司"), Some(Field::Employer));
    }
}
