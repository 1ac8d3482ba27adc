//! Win-back cases and referrals.

catalogue! {
    revenue_from_referred => "被推荐客户带来的收入", "Revenue from referred customers";
    rewards_given => "奖励支出", "Rewards given";
    referrals_intro => "满意、忠诚的客户会把朋友带来（4R 中的“推荐”）。记录谁推荐了谁、给了什么奖励（积分、礼品、折扣，或荣誉与感谢），以及被推荐的客户后来怎样。", "Satisfied, loyal customers bring friends (the 4R's referral). Record who brought whom, the reward (points, a gift, a discount, or recognition), and what came of it.";
    referred_since => "推荐日期从", "Referred since";
    top_referrers => "推荐最多的客户", "Top referrers";
    recent_referrals => "最近的推荐", "Latest referrals";
    no_referrals => "还没有推荐记录。", "No referral yet.";
    referrer => "推荐人", "Referred by";
    referred => "被推荐客户", "Referred customer";
    outcome => "结果", "Outcome";
    winback_intro => "有价值的客户流失或超出自己的购买节奏时，这里会自动开一个挽回案例：先算清他们一年值多少、终身会损失多少，再按“一颗钉子”的原则去联系。", "When a valuable customer is lost or falls behind their own rhythm, a win-back case opens here: first what they were worth a year and what is lost over their lifetime, then contact them by the one-nail rules.";
    no_cases => "没有挽回案例。", "No win-back case.";
    attempts => "挽回尝试", "Attempts";
    lifetime_figure => "终身客户价值", "The lifetime customer";
    lifetime_hint => "每年价值 = 客户购买期间的收入按年平均；终身损失 = 今后预期合作年限内每年价值按年利率折现之和（价值设置中可改年限与利率）。", "Worth a year = their revenue averaged over the years they bought; lost over their lifetime = that yearly worth over the expected years ahead, discounted at the annual rate (both in the value settings).";
    one_nail => "“一颗钉子”挽回原则", "The one-nail rules";
    no_attempts => "还没有尝试。", "No attempt yet.";
    log_attempt => "记录这次尝试", "Log this attempt";
    close_case => "结束案例", "Close the case";
}
