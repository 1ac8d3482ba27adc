//! The customer value page and its settings.

catalogue! {
    recompute => "立即重新评估", "Recompute now";
    settings_tiers => "分级规则（ABC / 80-20）", "Tiers (ABC / 80-20)";
    settings_tiers_hint => "A 类 = 使窗口内价值累计达到该占比的最少客户（主客户）；其后 B 类（大客户）；其余 C 类（普通客户）；窗口内无购买或低于门槛的为小客户。", "A = the fewest customers making this share of the window's value (key accounts); then B (major); the rest C (regular); no purchase in the window, or under the threshold, is small.";
    settings_models => "预测与终身价值", "Forecasts and lifetime value";
    settings_models_hint => "终身价值 V = Σ (收入 − 成本)(1+i)^(−t)：历史部分按年利率复利到今天，未来部分按预测期逐月折现。订单无成本时按该毛利率估算。", "Lifetime value V = Σ (revenue − cost)(1+i)^(−t): the past compounded to today at the annual rate, the future discounted month by month over the horizon. Orders without a cost count at this margin rate.";
    settings_churn => "流失预警", "Churn watch";
    settings_weights => "重点客户评分权重", "Key-account score weights";
    settings_weights_hint => "评分 = Σ 权重 × 得分 / Σ 有数据的权重；暂无数据的项目不计权重。", "Score = Σ weight × score / Σ weights of the parts with data; parts without data carry no weight.";
    jobs_title => "后台评估", "Background assessments";
    no_jobs => "还没有后台评估任务。每晚 2 点自动评估一次。", "No background assessment yet. One runs every night at 2:00.";
    job_queued => "排队中", "Queued";
    job_running => "进行中", "Running";
    job_done => "已完成", "Done";
    job_failed => "失败", "Failed";
    job_nightly => "每晚自动", "Nightly";
    job_manual => "手动", "On request";
    job_customers => "位客户", "customers";
    job_retry => "将重试", "will retry";
    window_revenue => "近 {n} 天净额（已扣退款）", "Net in the last {n} days (refunds taken off)";
    customer_count => "客户数", "Customers";
    top_title => "大客户候选（前 {n} 名再分 A/B/C）", "Big-customer candidates (top {n}, split A/B/C)";
    top_hint => "课程的做法：按窗口内价值取前 N 名作为大客户候选，再在其中做 ABC 分类。", "The course's recipe: the top N by value in the window are the big-customer candidates, classified A/B/C among themselves.";
    class_label => "类别", "Class";
    pareto => "帕累托曲线（80/20）", "Pareto curve (80/20)";
    share_of_customers => "客户占比", "Share of customers";
    share_of_revenue => "收入占比", "Share of revenue";
    rfm_grid => "RFM 分布（横：最近购买 R，纵：频次与金额 FM）", "RFM grid (across: recency R; up: frequency and money FM)";
    model_fit => "模型参数", "Model fit";
    model => "模型", "Model";
    parameters => "参数", "Parameters";
    log_likelihood => "对数似然", "Log-likelihood";
    no_model_fit => "复购的客户还太少，无法拟合购买模型；层级和 RFM 照常计算。", "Too few customers have bought again to fit the purchase models; tiers and RFM are computed as usual.";
    holdout_title => "校验：预测与实际购买次数", "Check: predicted vs actual purchases";
    predicted => "预测", "Predicted";
    actual => "实际", "Actual";
    calibration_purchases => "校准期购买次数", "Purchases in the calibration period";
    churn_watch => "流失预警", "Churn watch";
    churn_hint => "主客户和大客户中仍活跃概率低于 {n}% 的，按已实现价值排序：优先联系。", "Key and major customers whose P(alive) is under {n}%, by value realized: reach out first.";
    no_churn => "没有需要预警的重要客户。", "No valuable customer is slipping away.";
    overdue_title => "超过自身购买节奏未再购买", "Overdue against their own rhythm";
    overdue_hint => "距上次购买已超过其平均购买间隔的 {n} 倍，按累计金额排序。", "Last order more than {n} times their usual interval ago, biggest buyers first.";
    no_overdue => "没有超期未购的客户。", "Nobody is overdue.";
    days_since => "距上次购买", "Since last order";
    not_assessed => "还没有价值评估。价值从订单算出：每晚 2:00 自动评估，经理也可以点“立即重新评估”。", "Not assessed yet. Value is computed from orders, every night at 2:00; a manager can also press Recompute now.";
    no_orders_yet => "还没有订单？", "No orders yet?";
}
