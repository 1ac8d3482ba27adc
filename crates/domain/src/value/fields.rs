//! The fields of the value settings: the analysis window, ABC, CLV, churn watch, non-monetary
//! weights and each tier's approach and service.

use crate::error::fields;

fields! {
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
    VisitKey = "visit_key", "主客户拜访间隔（天，0 表示不提醒）", "Key accounts: visit every (days, 0 for no reminder)", [];
    VisitMajor = "visit_major", "大客户拜访间隔（天，0 表示不提醒）", "Major: visit every (days, 0 for no reminder)", [];
    VisitRegular = "visit_regular", "普通客户拜访间隔（天，0 表示不提醒）", "Regular: visit every (days, 0 for no reminder)", [];
    VisitSmall = "visit_small", "小客户拜访间隔（天，0 表示不提醒）", "Small: visit every (days, 0 for no reminder)", [];
}
