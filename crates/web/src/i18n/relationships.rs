//! Relationships: health checks, the health list, the quadrant and competitors.

use guanxi_domain::Lang;

catalogue! {
    health_list => "关系健康度", "Relationship health";
    health_intro => "稳固的重点客户关系有十个信号。能由数据回答的已预先填好并注明来源（可以改）；其余需要您的判断。不清楚就选“不清楚”：它不计入得分，也不会被当成“否”。", "A solid key-account relationship shows ten signs. Those the data can answer are filled in with where the answer came from (you may change them); the others need your judgment. Choose Unknown when you do not know: it is left out of the score, never counted as No.";
    health_trend => "健康度走势（每次检查的得分）", "Health over time (each check's score)";
    sign => "信号", "Sign";
    from_data => "数据显示", "What the data shows";
    person_judgment => "需要人工判断", "Needs a person's judgment";
    data_not_enough => "数据还不足以判断", "Not enough data to tell yet";
    save_check => "保存这次检查", "Save this check";
    past_checks => "历次检查", "Past checks";
    no_checks => "还没有做过健康检查。", "No health check yet.";
    score => "得分", "Score";
    recompute_now => "立即重新计算", "Recompute now";
    health_list_intro => "主客户、大客户和做过检查的客户，最差的排在最前。得分 = 已知信号中成立的比例；有检查的用最近一次检查，没有检查的用数据能回答的信号。", "Key and major accounts and anyone checked, worst first. The score is the share of known signs that hold: the latest check's where there is one, else the signs the data answers.";
    show => "显示", "Show";
    worst_first => "最差的在前", "Worst first";
    falling_first => "下降最多的在前", "Falling most first";
    health_unknown => "还无法判断的", "Not known yet";
    no_recompute_yet => "还没有计算过。管理员或经理可以点“立即重新计算”，之后每晚随客户价值一起更新。", "Not computed yet. A manager can press Recompute now; after that it is updated every night with customer value.";
    nothing_here => "没有符合条件的客户。", "No customers here.";
    change => "变化", "Change";
    signs_from_data => "数据回答的信号", "Signs from data";
    checked => "最近检查", "Last checked";
    data_only => "仅数据", "data only";
    quadrant_intro => "满意度来自近两年最近一次调查（满意、会再买、会推荐朋友，以及实际与期望之差）；忠诚度来自行为（重复购买、合作年限、我们在其采购中的份额、是否使用竞争对手）。两者各以 50 为界分成四类。", "Satisfaction comes from the latest survey of the last two years (satisfied, will buy again, will bring friends, and what they got against what they expected); loyalty from behaviour (repeat buying, tenure, our share of their spending, competitor use). Each splits at 50 into four kinds of customer.";
    destroyers_prompt => "破坏者既不满意也不忠诚，会向别人说我们的坏话。请尽快主动联系他们：倾听、道歉、解决问题（服务工单上线后将直接转入投诉绿色通道）。", "Destroyers are neither satisfied nor loyal, and tell others. Reach out to them now: listen, apologise, fix the problem (once service tickets exist they go straight to the complaint green channel).";
    competitors_intro => "对竞争对手的了解分六个层次：是谁、现状、分析、发展方向、战略意图、如何引导其行为；每一层都写下依据。", "Know a competitor on six levels: who they are, their situation, our analysis, where they are heading, their strategic intent, how we steer them — each with its evidence.";
    no_competitors => "还没有竞争对手记录。", "No competitors recorded yet.";
    engaged_customers => "正在接触的客户", "Customers engaged";
    new_competitor => "新增竞争对手", "New competitor";
}

impl super::T {
    /// A health score not known yet: how many signs are, and how many it needs.
    pub fn score_not_known(&self, known: impl std::fmt::Display) -> String {
        let min = guanxi_domain::health::MIN_KNOWN;
        match self.0 {
            Lang::ZhCn => format!("尚不清楚（已知 {known}/10 项，至少需要 {min} 项）"),
            Lang::En => format!("not known yet ({known} of 10 signs known; it takes {min})"),
        }
    }
}
