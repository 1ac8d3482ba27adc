//! The sales reports.

catalogue! {
    nothing_to_chart => "这段时间里没有可画的数据。", "Nothing to show for this period.";
    sales_reports => "销售报表", "Sales reports";
    open_deals => "进行中商机", "Open deals";
    pipeline => "商机总额", "Pipeline";
    weighted_forecast => "加权预测", "Weighted forecast";
    won_in_period => "期内赢单", "Won in period";
    lost_in_period => "期内输单", "Lost in period";
    win_rate => "赢单率", "Win rate";
    cycle_time => "平均成交周期", "Average cycle";
    reports_hint => "商机总额与加权预测看当前进行中的商机；赢单、输单、周期、异议与输单去向看所选期间。", "Pipeline and forecast are today's open deals; wins, losses, cycle, objections and competitors are the chosen period's.";
    forecast => "按预计成交月份的加权预测", "Weighted forecast by expected close month";
    forecast_hint => "金额 × 赢单概率 / 商机总额", "amount × probability / pipeline";
    no_close_date => "未定日期", "No date";
    funnel => "销售漏斗", "Funnel";
    funnel_hint => "期内新建的商机走到了哪一阶段，及阶段间转化率", "How far deals opened in the period got, and stage-to-stage conversion";
    days_in_stages => "各阶段平均停留天数", "Average days in each stage";
    days_hint => "期内结束的阶段停留（括号内为次数）", "Stage stays that ended in the period (count in brackets)";
    still_open => "未解决", "open";
    lost_to_competitors => "输给竞争对手", "Lost to competitors";
    not_recorded => "未记录", "Not recorded";
    by_owner => "按负责人", "By owner";
    won_amount => "赢单金额", "Won amount";
    stalled_deals => "停滞的商机", "Stalled deals";
    stalled_hint => "进行中、且没有任何推进或联系超过", "Open, and without a move or contact for more than";
    none_stalled => "没有停滞的商机。", "No stalled deals.";
    quiet_days => "未跟进天数", "Days quiet";
}
