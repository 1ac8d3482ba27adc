//! The message catalogue of the web app. Each message is a method on [`T`] with a Chinese and an
//! English text side by side; a message without both does not compile. Vocabulary labels
//! (channels, roles, statuses…) and field names come from the domain's own tables.

use guanxi_domain::{Field, Lang};

macro_rules! catalogue {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// The texts of the user's language. `t.customers()` → 客户 / Customers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct T(pub Lang);

        impl T {
            $(
                pub fn $key(&self) -> &'static str {
                    match self.0 {
                        Lang::ZhCn => $zh,
                        Lang::En => $en,
                    }
                }
            )*
        }

        /// Every message in both languages, for the test that none is blank.
        #[cfg(test)]
        pub(crate) const ALL: &[(&str, &str, &str)] = &[$((stringify!($key), $zh, $en)),*];
    };
}

catalogue! {
    nav_sales => "商机", "Deals";
    nav_relationships => "关系", "Relationships";
    referrals => "推荐", "Referrals";
    winback => "客户挽回", "Win-back";
    converted => "已成交", "Became customers";
    revenue_from_referred => "被推荐客户带来的收入", "Revenue from referred customers";
    rewards_given => "奖励支出", "Rewards given";
    everyone_status => "全部", "All";
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
    yearly_value => "每年价值", "Worth a year";
    lifetime_loss => "终身损失", "Lost over their lifetime";
    opened_because => "起因", "Opened because";
    attempts => "挽回尝试", "Attempts";
    lifetime_figure => "终身客户价值", "The lifetime customer";
    lifetime_hint => "每年价值 = 客户购买期间的收入按年平均；终身损失 = 今后预期合作年限内每年价值按年利率折现之和（价值设置中可改年限与利率）。", "Worth a year = their revenue averaged over the years they bought; lost over their lifetime = that yearly worth over the expected years ahead, discounted at the annual rate (both in the value settings).";
    one_nail => "“一颗钉子”挽回原则", "The one-nail rules";
    no_attempts => "还没有尝试。", "No attempt yet.";
    log_attempt => "记录这次尝试", "Log this attempt";
    close_case => "结束案例", "Close the case";
    referral_section => "推荐", "Referral";
    take_back => "撤销", "Take back";
    referred_by_label => "由谁推荐", "Referred by";
    referred_others => "推荐来的客户", "Customers they brought";
    record_referral => "记录推荐人", "Record who referred them";
    open_winback => "发起挽回", "Open a win-back case";
    winback_open => "进行中的挽回案例", "Open win-back case";
    survey_intro => "满意有三个层次：满意；满意并会再次购买；满意、会再次购买并会推荐朋友。同时问客户原先期望多少、实际得到多少。可以在拜访或电话时代为记录，也可以发一个链接让客户自己填（无需登录，只能填一次，过期作废）。", "Satisfaction has three levels: satisfied; satisfied and will buy again; satisfied, will buy again and will bring friends. Ask too what they expected and what they got. Record the answers yourself after a visit or a call, or send the customer a link (no sign-in, one answer, until it expires).";
    send_link => "生成调查链接发给客户", "Make a link for the customer";
    case_opened => "挽回案例已开启。先看终身客户价值和“一颗钉子”原则，再去联系。", "The win-back case is open. Read the lifetime figure and the one-nail rules first, then reach out.";
    link_made => "调查链接已生成：复制下面列表中的链接发给客户。", "The survey link is made: copy it from the list below to the customer.";
    make_link => "生成链接", "Make the link";
    link_days => "有效天数", "Valid for (days)";
    record_survey => "代客户记录答案", "Record the customer's answers";
    no_surveys => "还没有满意度调查。", "No survey yet.";
    answered => "已填写于", "Answered";
    link_expired => "链接已过期于", "Link expired";
    waiting_until => "等待填写，链接有效至", "Waiting for an answer; the link is open until";
    copy_link => "调查链接（复制后发给客户）", "Survey link (copy it to the customer)";
    encoding_label => "文本编码（CSV）", "Text encoding (CSV)";
    encoding_auto => "自动识别", "Find out from the file";
    logged_by => "记录人", "Logged by";
    export_all => "导出全部客户", "Export every customer";
    export_filtered => "导出列表中筛选出的客户：", "Export the customers the list shows:";
    back_to_list => "回到列表", "Back to the list";
    conflict_intro => "你打开表单之后，这位客户被别人保存过：", "This customer was saved by someone else after you opened the form:";
    their_change => "对方改成", "Their change";
    conflict_yours => "下面是你填写的内容，还没有保存。核对后再保存，会以你填写的为准。", "Below is what you typed; it is not saved yet. Check it, then save: what you typed wins.";
    maybe_exists => "这位客户可能已经在档案里了：", "This customer may be in the archive already:";
    maybe_exists_hint => "如果是同一位客户，请打开上面的记录补充信息，不要再建一条。确实是另一位客户时，点“仍然保存”。", "If it is the same customer, open the record above and add to it rather than create another. If it really is someone else, choose Save anyway.";
    save_anyway => "仍然保存", "Save anyway";
    merge_title => "合并重复客户", "Merge duplicate customers";
    merge_intro => "左边的客户保留，右边的客户并入后移到回收站；联系记录、订单、商机等全部移到左边。两边都有且不同的字段，请选择保留哪一个。", "The customer on the left stays; the one on the right is merged into it and goes to the recycle bin, its contacts, orders and deals moving over. Where both have a different value, choose which stays.";
    merge_kept => "保留", "Kept";
    merge_dropped => "并入", "Merged in";
    merge_hint => "只有一边有的内容会保留；标签和偏好合在一起。合并可以在变更历史中撤销。", "What only one side has is kept; tags and preferences are combined. A merge can be undone from the history.";
    merge_confirm => "我确认合并这两位客户", "Yes, merge these two customers";
    merge_confirm_needed => "请勾选“我确认合并这两位客户”后再合并。", "Tick “Yes, merge these two customers” to merge.";
    merge_kinds_differ => "注意：这两条记录的类型不同，一个是个人、一个是机构。合并后保留左边的类型，右边另一类型的档案信息会丢失。", "Careful: the two records are of different kinds, a person and an organization. The merge keeps the left one's kind; the right one's profile of the other kind is lost.";
    merge_confirm_kinds => "我知道类型不同，仍要合并", "I know the kinds differ and still want to merge";
    merge_kinds_needed => "两条记录类型不同：请勾选“我知道类型不同，仍要合并”。", "The records are of different kinds: tick “I know the kinds differ” to merge.";
    merge_do => "合并", "Merge";
    merge_swap => "改为保留右边的客户", "Keep the right one instead";
    merge_compare => "逐项比较并合并", "Compare and merge";
    withdraw_link => "撤回链接", "Withdraw the link";
    survey_public_title => "满意度调查", "Satisfaction survey";
    survey_public_intro => "感谢您抽出一分钟时间。您的回答只用于改进我们的产品和服务。", "Thank you for taking a minute. Your answers are used only to improve our products and service.";
    survey_thanks => "已收到您的回答，谢谢！", "Your answers are in. Thank you!";
    submit_answers => "提交", "Submit";
    health_list => "关系健康度", "Relationship health";
    health_intro => "稳固的重点客户关系有十个信号。能由数据回答的已预先填好并注明来源（可以改）；其余需要您的判断。不清楚就选“不清楚”：它不计入得分，也不会被当成“否”。", "A solid key-account relationship shows ten signs. Those the data can answer are filled in with where the answer came from (you may change them); the others need your judgment. Choose Unknown when you do not know: it is left out of the score, never counted as No.";
    health_trend => "健康度走势（每次检查的得分）", "Health over time (each check's score)";
    sign => "信号", "Sign";
    from_data => "数据显示", "What the data shows";
    person_judgment => "需要人工判断", "Needs a person's judgment";
    data_not_enough => "数据还不足以判断", "Not enough data to tell yet";
    known => "已知", "known";
    save_check => "保存这次检查", "Save this check";
    past_checks => "历次检查", "Past checks";
    no_checks => "还没有做过健康检查。", "No health check yet.";
    score => "得分", "Score";
    answers => "回答", "Answers";
    recompute_now => "立即重新计算", "Recompute now";
    health_list_intro => "主客户、大客户和做过检查的客户，最差的排在最前。得分 = 已知信号中成立的比例；有检查的用最近一次检查，没有检查的用数据能回答的信号。", "Key and major accounts and anyone checked, worst first. The score is the share of known signs that hold: the latest check's where there is one, else the signs the data answers.";
    show => "显示", "Show";
    worst_first => "最差的在前", "Worst first";
    falling_first => "下降最多的在前", "Falling most first";
    health_unknown => "还无法判断的", "Not known yet";
    no_recompute_yet => "还没有计算过。管理员或经理可以点“立即重新计算”，之后每晚随客户价值一起更新。", "Not computed yet. A manager can press Recompute now; after that it is updated every night with customer value.";
    nothing_here => "没有符合条件的客户。", "No customers here.";
    nothing_to_chart => "这段时间里没有可画的数据。", "Nothing to show for this period.";
    change => "变化", "Change";
    signs_from_data => "数据回答的信号", "Signs from data";
    checked => "最近检查", "Last checked";
    data_only => "仅数据", "data only";
    quadrant_intro => "满意度来自近两年最近一次调查（满意、会再买、会推荐朋友，以及实际与期望之差）；忠诚度来自行为（重复购买、合作年限、我们在其采购中的份额、是否使用竞争对手）。两者各以 50 为界分成四类。", "Satisfaction comes from the latest survey of the last two years (satisfied, will buy again, will bring friends, and what they got against what they expected); loyalty from behaviour (repeat buying, tenure, our share of their spending, competitor use). Each splits at 50 into four kinds of customer.";
    destroyers_prompt => "破坏者既不满意也不忠诚，会向别人说我们的坏话。请尽快主动联系他们：倾听、道歉、解决问题（服务工单上线后将直接转入投诉绿色通道）。", "Destroyers are neither satisfied nor loyal, and tell others. Reach out to them now: listen, apologise, fix the problem (once service tickets exist they go straight to the complaint green channel).";
    lifecycle => "客户生命周期（4R）", "Lifecycle (4R)";
    quadrant => "满意度 × 忠诚度", "Satisfaction × loyalty";
    quadrant_unknown => "还没有满意度调查，无法定位", "No satisfaction survey yet: no place to show";
    satisfaction => "满意度", "Satisfaction";
    unknown => "不清楚", "Unknown";
    health => "关系健康度", "Relationship health";
    from_latest_check => "来自最近一次健康检查", "from the latest health check";
    from_data_only => "仅根据数据，尚未检查", "from the data only, not checked yet";
    health_check => "十个信号健康检查", "Ten-signs health check";
    surveys => "满意度调查", "Satisfaction surveys";

    relationship_stage => "关系阶段", "Relationship";
    competitor_engagements => "与竞争对手的接触", "Engagements with competitors";
    no_engagements => "没有记录。", "None recorded.";
    engagement_ended => "已结束", "Ended";
    competitor => "竞争对手", "Competitor";
    engagement => "接触程度", "Engagement";
    since => "开始日期", "Since";
    notes => "备注", "Notes";
    competitors_intro => "对竞争对手的了解分六个层次：是谁、现状、分析、发展方向、战略意图、如何引导其行为；每一层都写下依据。", "Know a competitor on six levels: who they are, their situation, our analysis, where they are heading, their strategic intent, how we steer them — each with its evidence.";
    no_competitors => "还没有竞争对手记录。", "No competitors recorded yet.";
    understood => "已了解层次", "Levels known";
    engaged_customers => "正在接触的客户", "Customers engaged";
    new_competitor => "新增竞争对手", "New competitor";
    relationship_level => "关系层次", "Level";
    level_proposed => "按联系记录建议", "proposed from the contacts:";
    confirm_level => "确认层次", "Confirm the level";
    relationship_missing => "要成为合作伙伴，还缺（两手都要硬）：", "To become a partner, still missing (both hands must be strong):";
    relationship_partner => "已是合作伙伴：私人信任与最优方案都要保持。", "A partner: keep both the personal trust and the best offer.";
    sales_settings => "销售流程设置", "Sales process settings";
    sales_settings_intro => "每个阶段的赢单概率与标准动作（必做的动作完成后商机才能推进，经理可填写理由越过），赢单后自动创建的售后任务，以及多久没有进展算停滞。", "Each stage's win probability and standard actions (a deal moves on once the mandatory ones are done; a manager may override with a reason), the after-sales tasks created on winning, and when a quiet deal counts as stalled.";
    stalled_after => "多少天没有推进或联系算停滞", "Days without a move or contact before a deal is stalled";
    why_label => "为什么", "Why";
    new_action => "新增动作…", "New action…";
    tasks_hint => "赢单时为商机负责人创建，期限从成交日期算起。", "Created for the deal's owner when it is won, due counted from the close date.";
    task_title => "任务", "Task";
    due_in_days => "期限（天）", "Due in (days)";
    new_task => "新增任务…", "New task…";
    process_settings => "流程设置", "Process settings";
    proposal_files => "方案与附件", "Proposal and files";
    no_files => "还没有附件。", "No files yet.";
    attach_file => "附件", "File";
    upload => "上传", "Upload";
    file_limit => "最大 10 MB；下载时不会在浏览器中直接打开", "At most 10 MB; downloads are never opened in the browser";
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
    reports => "报表", "Reports";
    probability_hint => "0–100；留空则按阶段自动取值", "0–100; leave empty to follow the stage";
    board => "看板", "Board";
    board_hint => "把卡片拖到另一列即可推进；不用鼠标时用卡片上的“推进到”。必做动作没完成时会打开商机，列出缺什么。", "Drag a card to another column to move it, or use its “Move to” form. If mandatory actions are missing, the deal opens and lists them.";
    deal_list => "商机列表", "Deal list";
    deal_search_placeholder => "商机名称或客户名称", "Deal title or customer name";
    deal_status => "商机状态", "Deal status";
    deals_unit => "个商机", "deals";
    no_matching_deals => "没有符合条件的商机。", "No deals match.";
    new_deal => "新建商机", "New deal";
    new_deal_hint => "在客户档案页点“新建商机”，为该客户开一个商机。", "Open a deal from a customer's page with “New deal”.";
    new_deal_stage_hint => "新商机从“寻找与识别”阶段开始；赢单概率不填时按阶段自动取值。", "A new deal starts at “Identify & qualify”; leave the probability empty to follow the stage.";
    create_deal => "创建商机", "Create deal";
    everyone => "所有人", "Everyone";
    mine => "我的", "Mine";
    stage => "阶段", "Stage";
    title => "商机名称", "Title";
    probability => "赢单概率", "Probability";
    weighted => "加权金额", "Weighted";
    expected_close => "预计成交", "Expected close";
    stalled => "停滞", "Stalled";
    stalled_only => "只看停滞的商机", "Stalled deals only";
    days_in_stage => "本阶段天数", "Days in stage";
    move_deal => "推进", "Move";
    move_to => "推进到", "Move to";
    column_empty => "没有商机", "No deals";
    override_reason => "越过检查的理由", "Override reason";
    override_placeholder => "经理填写理由可越过未完成的必做动作", "Managers: a reason moves past missing actions";
    close_deal => "赢单或输单", "Win or lose";
    win => "赢单", "Won";
    lose => "输单", "Lost";
    closed_on => "成交日期", "Closed on";
    lost_reason => "输单原因", "Reason lost";
    lost_to => "输给", "lost to";
    competitors => "竞争对手", "Competitors";
    checklist => "标准动作", "Standard actions";
    mandatory => "必做", "Mandatory";
    done => "已完成", "done";
    not_done => "未完成", "not done";
    done_when => "完成条件", "Done when";
    tick => "标记完成", "Mark done";
    untick => "标记未完成", "Mark not done";
    qualification_and_approach => "识别与接近", "Qualification and approach";
    recommended_approach => "按客户价值推荐的约见方式", "Appointment method recommended by the customer's value";
    no_value_yet => "尚无价值评估（先在价值页重新计算）", "no value assessment yet (recompute on the value page)";
    deal_details => "商机信息（金额、日期、负责人、方案…）", "Deal details (amount, dates, owner, proposal…)";
    decision_chain => "决策链", "Decision chain";
    chain_empty => "还没有把关键人物加入决策链。", "No key people on the decision chain yet.";
    chain_hint => "决策链只能选这位客户的关键人物；没有合适的人时先在客户档案里添加。", "Only this customer's key people can join; add them on the customer's page first.";
    add_to_chain => "加入决策链", "Add to chain";
    key_person => "关键人物", "Key person";
    decision_role => "决策角色", "Role";
    attitude => "态度", "Attitude";
    engaged => "已接触", "Engaged";
    plan => "应对计划", "Plan";
    remove => "移除", "Remove";
    yes => "是", "Yes";
    no => "否", "No";
    objections => "客户异议", "Objections";
    objection => "异议", "Objection";
    no_objections => "还没有记录异议。", "No objections logged.";
    cause => "原因", "Cause";
    cause_ours => "企业原因", "ours";
    cause_theirs => "客户原因", "the customer's";
    answer => "答复与方案", "Answer";
    resolved => "已解决", "Resolved";
    log_objection => "记录异议", "Log an objection";
    objection_hint => "先倾听、辨明原因是企业的（产品、价格、服务、交付）还是客户自身的（预算、时机、权限、习惯），再答复或提出方案。", "Listen first; tell whether the cause is ours (product, price, service, delivery) or the customer's (budget, timing, authority, habit); then answer or propose.";
    deal_contacts => "洽谈记录", "Contacts on this deal";
    after_sales_tasks => "售后任务", "After-sales tasks";
    overdue => "已逾期", "overdue";
    stage_history => "阶段变更记录", "Stage history";
    from_stage => "原阶段", "From";
    to_stage => "新阶段", "To";
    by => "操作人", "By";
    skipped => "越过的动作", "Skipped";
    deal_moved => "商机已推进。", "Deal moved.";
    deal_moved_back => "商机已退回到更早的阶段。", "Deal moved back to an earlier stage.";
    stage_unchanged => "阶段没有变化：商机还在原来的阶段。", "No change: the deal is still in its stage.";
    move_forward => "推进到下一阶段", "Move to the next stage";
    move_back => "退回到更早的阶段", "Move back to an earlier stage";
    move_back_to => "退回到", "Back to";
    choose => "请选择…", "Choose…";
    confirm_back => "我确认要退回（赢单概率会降低）", "Yes, move it back (the win probability drops)";
    confirm_back_needed => "退回到更早的阶段需要确认：请在下面勾选“我确认要退回”。", "Moving back to an earlier stage needs confirming: tick the box below.";
    last_stage_before_win => "已到成交阶段：下一步是赢单或输单（在下面关闭商机）。", "This is the closing stage: next is winning or losing (close the deal below).";
    win_records_order => "赢单会把成交金额记为这位客户的一笔订单（订单号 DEAL-商机编号），计入客户价值、RFM 和生命周期。", "Winning records the amount as an order of this customer (number DEAL-deal id), counted in value, RFM and the lifecycle.";
    win_orders_recorded => "这笔成交的订单已经记录过了，不要再记一笔", "Its orders are recorded already; do not record another";
    deal_closed => "商机已关闭。", "Deal closed.";
    app_name => "关系 Guanxi", "Guanxi 关系";
    tagline => "客户关系管理", "Customer relationship management";
    nav_customers => "客户", "Customers";
    nav_new_customer => "新建客户", "New customer";
    nav_import => "导入", "Import";
    nav_duplicates => "查重合并", "Duplicates";
    nav_bin => "回收站", "Recycle bin";
    nav_users => "用户", "Users";
    nav_account => "我的账户", "My account";
    sign_in => "登录", "Sign in";
    sign_out => "退出", "Sign out";
    signed_in_as => "当前用户", "Signed in as";
    password => "密码", "Password";
    password_new => "新密码", "New password";
    password_current => "当前密码", "Current password";
    password_changed => "密码已修改，其他会话已退出。", "Password changed; your other sessions were signed out.";
    wrong_login => "用户名或密码不正确。", "Wrong username or password.";
    login_required => "请先登录。", "Please sign in first.";
    session_expired => "会话已过期，请重新登录。", "Your session has expired; please sign in again.";
    language => "语言", "Language";
    switch_language => "English", "中文";
    search => "搜索", "Search";
    search_placeholder => "姓名、拼音、首字母、手机号、邮箱、公司", "Name, pinyin, initials, phone, e-mail, company";
    filter => "筛选", "Filter";
    nav_orders => "订单", "Orders";
    date_from => "开始日期", "From";
    date_to => "结束日期", "To";
    orders_unit => "笔订单", "orders";
    no_matching_orders => "没有符合条件的订单。", "No orders match.";
    customer => "客户", "Customer";
    amount => "金额", "Amount";
    cost => "成本", "Cost";
    category => "产品类别", "Category";
    sales_channel => "销售渠道", "Sales channel";
    branch => "门店", "Store / branch";
    order_no => "订单号", "Order number";
    clear_filters => "清除", "Clear";
    filtered_by => "只列出符合条件的客户——", "Only customers matching — ";
    no_owner => "无负责人", "No owner";
    see_unowned => "列出他们，批量指定负责人", "List them and assign an owner in bulk";
    show_all_customers => "显示全部客户", "show all customers";
    any => "全部", "Any";
    sort => "排序", "Sort";
    sort_updated => "最近更新", "Recently changed";
    sort_newest => "最新录入", "Newest";
    sort_oldest => "最早录入", "Oldest";
    sort_name => "按姓名拼音", "By name";
    results => "条结果", "results";
    showing => "显示", "Showing";
    no_customers => "没有符合条件的客户。", "No customers match.";
    previous => "上一页", "Previous";
    next => "下一页", "Next";
    page => "页", "Page";
    saved_views => "已保存的视图", "Saved views";
    save_view => "保存当前视图", "Save this view";
    view_name => "视图名称", "View name";
    view_saved => "视图已保存。", "View saved.";
    delete_view => "删除视图", "Delete view";
    owner => "负责人", "Owner";
    save => "保存", "Save";
    cancel => "取消", "Cancel";
    edit => "编辑", "Edit";
    delete => "删除", "Delete";
    restore => "恢复", "Restore";
    add => "添加", "Add";
    create => "创建", "Create";
    history => "变更历史", "History";
    preferences_title => "偏好", "Preferences";
    no_preferences => "还没有记录偏好。下次见面时留意并记下来。", "No preferences recorded yet. Notice them next time and note them down.";
    profile => "档案", "Profile";
    contact => "联系方式", "Contact";
    basic => "基本信息", "Basics";
    psychology => "心理特征", "Psychology";
    business => "经营状况", "Business";
    trading => "交易状况", "Trading status";
    key_people => "关键人物", "Key people";
    no_key_people => "还没有关键人物。谁拍板？谁影响？谁把关？", "No key people yet. Who decides, who influences, who guards the gate?";
    people_around => "周围的人", "People around";
    no_people_around => "还没有记录周围的人。", "No people around recorded yet.";
    around_of => "相关于", "Around";
    the_customer => "客户本人", "The customer";
    interactions => "互动记录", "Interactions";
    no_interactions => "还没有互动记录。", "No interactions yet.";
    log_interaction => "记录互动", "Log an interaction";
    logged => "互动已记录。", "Interaction logged.";
    ours => "我方", "Ours";
    theirs => "客户方", "Theirs";
    next_step => "下一步", "Next step";
    individual_new => "新建个人客户", "New individual";
    organization_new => "新建企业客户", "New organization";
    edit_customer => "编辑客户", "Edit customer";
    created => "客户已创建。", "Customer created.";
    deal_created => "商机已创建。", "Deal created.";
    competitor_created => "竞争对手已添加。", "Competitor added.";
    saved => "已保存。", "Saved.";
    deleted => "已移入回收站。", "Moved to the recycle bin.";
    restored => "已恢复。", "Restored.";
    in_bin => "此客户在回收站中。", "This customer is in the recycle bin.";
    fix_errors => "请修改标出的内容后再提交。", "Please correct the marked fields and submit again.";
    required_mark => "必填", "required";
    preferences_hint => "每行一项，格式：类别：内容，例如 饮品：冰摩卡，两块糖两块冰", "One per line as category: value, e.g. Drink: iced mocha, 2 sugar, 2 ice";
    tags_hint => "用逗号分隔", "Separated by commas";
    participants_hint => "用逗号分隔的用户名", "Usernames, separated by commas";
    their_participants_hint => "不在关键人物里的人：写姓名，用逗号分隔", "Anyone not among the key people: their names, separated by commas";
    others => "其他人", "Others";
    public_url_unset => "还没有设置公开地址，链接用的是这台服务器的地址，客户在外面可能打不开：", "No public address is set: links use this server's own address, which customers outside may not reach:";
    set_public_url => "设置公开地址", "Set the public address";
    ask_admin_public_url => "请管理员在“用户”页设置公开地址。", "Ask an admin to set the public address on the Users page.";
    public_url_title => "公开地址", "Public address";
    public_url_hint => "客户从外面打开 Guanxi 的地址，例如 https://crm.example.com。发给客户的每个链接（满意度调查，以后的提醒与通知）都以它开头；所有服务器共用这一个设置。留空保存，就改回用每台服务器自己的地址。", "The address customers reach Guanxi at from outside, such as https://crm.example.com. Every link sent to customers (surveys, later reminders and notices) starts with it; all servers share this one setting. Save it empty to go back to each server's own address.";
    public_url_inside => "这个地址只在这台电脑或公司内网里能打开：客户在外面点链接会打不开。请填公司对外的网址。", "This address opens only on this computer or inside the company's network: customers outside cannot open the links. Enter the company's outside address.";
    public_url_now => "现在链接以此开头：", "Links now start with:";
    public_url_fallback => "（未设置，用的是这台服务器的地址）", "(not set: this server's own address)";
    first_steps => "从这里开始", "Where to start";
    first_steps_intro => "客户档案还是空的。先把已有的客户放进来，再请同事一起用。", "The customer archive is empty. Bring in the customers you have, then ask your colleagues in.";
    first_import_hint => "已有 Excel 或 CSV 客户名单？先下载模板对照一下，导入前会逐行检查。", "Have a customer list in Excel or CSV? Compare it with the template; every row is checked before anything is written.";
    first_customer_hint => "或者一位一位地录入。", "Or enter them one at a time.";
    first_colleagues => "添加同事", "Add colleagues";
    first_colleagues_hint => "为销售、经理和客服开账号，每人一个一次性密码。", "Accounts for sales reps, managers and service agents, each with a one-time password.";
    first_orders_hint => "客户价值（ABC、RFM、终身价值）从订单算出。", "Customer value (tiers, RFM, lifetime value) is computed from orders.";
    first_steps_others => "经理或管理员可以一次导入已有的客户名单。", "A manager or an admin can import an existing customer list at once.";
    key_people_preferences => "关键人物的偏好", "Key people's preferences";
    occurred_hint => "留空表示现在（北京时间）", "Empty means now (China time)";
    add_key_person => "添加关键人物", "Add a key person";
    add_person_around => "添加周围的人", "Add a person around";
    person_added => "已添加。", "Added.";
    removed => "已删除。", "Removed.";
    when => "时间", "When";
    who => "操作人", "Who";
    what => "操作", "What";
    before => "修改前", "Before";
    after => "修改后", "After";
    no_history => "没有变更记录。", "No changes recorded.";
    bin_empty => "回收站是空的。", "The recycle bin is empty.";
    deleted_at => "删除时间", "Deleted";
    users => "用户", "Users";
    add_user => "添加用户", "Add a user";
    user_created => "用户已创建。初始密码只显示这一次：", "User created. The initial password is shown only this once:";
    active => "启用", "Active";
    inactive => "已停用", "Disabled";
    disable => "停用", "Disable";
    enable => "启用", "Enable";
    reset_password => "重置密码", "Reset password";
    new_password_is => "新密码只显示这一次：", "The new password is shown only this once:";
    api_tokens => "API 令牌", "API tokens";
    token_name => "令牌名称", "Token name";
    create_token => "创建令牌", "Create token";
    token_created => "令牌已创建。请立即复制，它只显示这一次：", "Token created. Copy it now; it is shown only this once:";
    revoke => "撤销", "Revoke";
    revoked => "已撤销", "Revoked";
    last_used => "最近使用", "Last used";
    never => "从未", "Never";
    no_tokens => "还没有令牌。集成系统用令牌调用 /api/v1。", "No tokens yet. Integrations use a token to call /api/v1.";
    language_saved => "语言已切换。", "Language changed.";
    forbidden_title => "没有权限", "Not allowed";
    not_found_title => "找不到页面", "Not found";
    error_title => "出错了", "Something went wrong";
    back_home => "返回客户列表", "Back to customers";
    import_title => "导入客户", "Import customers";
    import_hint => "上传 CSV（UTF-8 或 GBK）或 Excel 文件。先检查，确认无误再写入。", "Upload a CSV (UTF-8 or GBK) or Excel file. It is checked first; nothing is written until you confirm.";
    file => "文件", "File";
    import_orders_title => "导入订单", "Import orders";
    orders_import_hint => "客户价值（ABC 分层、RFM、活跃概率、终身价值）都从订单算出。上传订单的 CSV 或 Excel 文件：每行一笔订单，用关系编号、外部编号或手机号指明客户。先检查，确认无误再写入。", "Customer value (tiers, RFM, P(alive), lifetime value) is computed from orders. Upload a CSV or Excel file of orders, one a row, naming the customer by Guanxi ID, external ID or phone. It is checked first; nothing is written until you confirm.";
    value_queued => "客户价值正在按新订单重新评估，几分钟后在“客户价值”页可以看到。", "Customer value is being recomputed with the new orders; see the Value page in a few minutes.";
    rows_not_imported => "这些行没有导入", "These rows were not imported";
    see_orders => "查看订单", "See the orders";
    template_hint => "第一次导入？下载模板，照着第二页的说明填写：", "First import? Download the template and fill it in as its second sheet says:";
    template_xlsx => "Excel 模板（含填写说明）", "Excel template (with instructions)";
    template_csv => "CSV 模板", "CSV template";
    new_customers => "新建客户", "new customers";
    changes_to_stored => "更新已有客户", "changes to existing customers";
    updates_hint => "这些行与已有客户的关系编号、外部编号、电话或邮箱相同，导入会改写下列字段。每一行可以选：更新这位客户、作为新客户添加，或跳过；也可以在下面一次跳过全部。", "These rows match existing customers by Guanxi ID, external ID, phone or e-mail; importing changes the fields below. For each row choose: update that customer, add the row as a new customer, or skip it; or skip them all below.";
    what_changes => "将要改变的字段", "What changes";
    rows_unit => "行", "rows";
    new_orders => "新建订单", "new orders";
    changes_to_orders => "更新已有订单", "changes to stored orders";
    changes_to_orders_title => "更新已有订单", "Changes to stored orders";
    changes_to_stored_title => "更新已有客户", "Changes to existing customers";
    order_updates_hint => "这些行的订单号已经存在，导入会改写下列字段；文件里空着的单元格保留原值。订单号属于别的客户、在文件里重复、或找不到客户的行列在“行有问题”里，不会导入。", "These rows' order numbers exist already; importing changes the fields below, and cells left empty keep what is stored. Rows whose number belongs to another customer, repeats in the file, or whose customer cannot be found are listed with the problems and not imported.";
    skip_order_updates => "跳过这些行：只新建订单，不改动已有订单", "Skip these rows: only add new orders, change no stored one";
    this_row => "这一行", "This row";
    row_default => "按下面的勾选", "As ticked below";
    row_update => "更新这位客户", "Update this customer";
    row_new => "新建一位客户", "Add as a new customer";
    row_skip => "跳过", "Skip";
    renames_customer => "姓名会改变：也许是另一个人", "The name changes: perhaps someone else";
    same_as_stored => "与已有客户相同", "same as stored";
    empty_value => "（空）", "(empty)";
    skip_updates => "跳过这些行：只新建客户，不改动已有客户", "Skip these rows: only add new customers, change no existing one";
    download_problem_rows => "下载有问题的行（CSV）", "Download the problem rows (CSV)";
    problem_rows_hint => "每行前面写明问题；改好后可直接再导入。", "Each row starts with its problems; fix them and import the file again.";
    see_imported => "查看本次导入的客户", "See the customers this import wrote";
    import_another => "再导入一个文件", "Import another file";
    check_file => "检查文件", "Check file";
    mapping => "列对应", "Column mapping";
    column => "文件中的列", "Column in the file";
    maps_to => "对应字段", "Field";
    ignored => "（忽略）", "(ignored)";
    rows_ok => "行可以导入", "rows can be imported";
    rows_bad => "行有问题", "rows have problems";
    row => "行", "Row";
    problem => "问题", "Problem";
    import_all => "全部正确才导入", "Import (all rows must be good)";
    import_partial => "只导入正确的行", "Import the good rows only";
    imported => "导入完成", "Import finished";
    created_n => "新建", "created";
    updated_n => "更新", "updated";
    unchanged_n => "未变", "unchanged";
    export => "导出", "Export";
    export_csv => "导出 CSV", "Export CSV";
    export_xlsx => "导出 Excel", "Export Excel";
    duplicates_title => "疑似重复客户", "Likely duplicates";
    no_duplicates => "没有发现疑似重复的客户。", "No likely duplicates found.";
    merge_into_left => "合并到左侧", "Merge into the left one";
    not_duplicates => "不是重复", "Not duplicates";
    merged => "已合并。可在变更历史中撤销。", "Merged. It can be undone from the history.";
    undo_merge => "撤销合并", "Undo merge";
    unmerged => "合并已撤销。", "Merge undone.";
    reason => "原因", "Reason";
    account_title => "我的账户", "My account";
    change_password => "修改密码", "Change password";
    password_same => "新密码不能和当前密码一样。", "The new password must differ from the current one.";
    password_rules => "至少 12 个字符；不能是常见密码、不能包含用户名、不能是重复或连续的字符。一句好记的话最好。", "At least 12 characters; not a common password, not containing your username, not one character repeated or a run. A phrase you remember works best.";
    password_change_effects => "修改密码会退出你在其他设备上的登录，并作废你的全部 API 令牌。", "Changing your password signs you out everywhere else and revokes all your API tokens.";
    must_change_notice => "你的密码是管理员为你生成的，别人见过它。请先设置一个只有你知道的新密码，之后才能使用其他页面。", "Your password was generated for you and someone else has seen it. Please set one only you know; the other pages open once you have.";
    token_lifetime => "有效期", "Valid for";
    token_scope => "权限", "Access";
    scope_full => "读写（和你的账号一样）", "Read and write (as your account)";
    scope_read => "只读", "Read only";
    token_lifetime_invalid => "请选择令牌的有效期。", "Please choose how long the token is valid.";
    token_scope_invalid => "请选择令牌的权限：读写或只读。", "Please choose the token's access: read and write, or read only.";
    expires => "到期", "Expires";
    expired => "已过期", "Expired";
    all_tokens => "所有用户的 API 令牌", "Everyone's API tokens";
    all_tokens_hint => "用户修改或重置密码、被停用时，其令牌会自动作废。发现可疑的令牌可在这里撤销。", "A user's tokens are revoked when their password is changed or reset and when they are disabled. Revoke anything suspicious here.";
    owner_user => "用户", "User";
    reauth_title => "确认是你本人", "Confirm it is you";
    reauth_intro => "管理用户（新增、改角色、停用、重置密码、撤销令牌）之前，请再输入一次你的密码。确认后 15 分钟内不用再输。", "Before managing users (adding, changing roles, disabling, resetting passwords, revoking tokens), please enter your password again. It holds for 15 minutes.";
    confirm => "确认", "Confirm";
    current_password_wrong => "当前密码不正确。", "The current password is wrong.";
    skip_to_content => "跳到正文", "Skip to content";
    confirm_delete => "确定要移入回收站吗？", "Move to the recycle bin?";
    total => "共", "Total";
    customers_unit => "位客户", "customers";
    role => "角色", "Role";
    team => "团队", "Team";
    status => "状态", "Status";
    name => "名称", "Name";
    actions => "操作", "Actions";
    menu => "菜单", "Menu";
    purchases => "购买记录", "Purchases";
    no_orders => "还没有订单。", "No orders yet.";
    record_order => "记录订单", "Record an order";
    order_recorded => "订单已记录。", "Order recorded.";
    orders_count => "订单数", "Orders";
    purchase_days => "购买天数", "Purchase days";
    revenue => "累计金额", "Revenue";
    margin => "毛利", "Margin";
    first_purchase => "首次购买", "First purchase";
    last_purchase => "最近购买", "Last purchase";
    rhythm => "购买间隔", "Buys every";
    days_unit => "天", "days";
    yuan => "元", "yuan";
    no_cost => "无成本数据", "no cost data";
    amount_hint => "单位元，退款填负数", "In yuan; a refund is negative";
    yuan_hint => "单位元", "In yuan";
    value_title => "客户价值", "Customer value";
    key_score => "重点客户评分", "Key-account score";
    recompute => "立即重新评估", "Recompute now";
    recompute_queued => "已加入评估队列，后台正在重新评估；稍后刷新本页查看结果。", "Queued: the recompute runs in the background; reload this page in a moment for the results.";
    settings_saved => "价值设置已保存，下次评估起生效。", "Value settings saved; they apply from the next assessment.";
    value_settings => "价值设置", "Value settings";
    settings_intro => "这些规则决定客户如何分级、模型看多长的历史、流失预警列出哪些客户，以及各层级客户的接触与服务方式。保存后从下一次评估起生效（可在客户价值页点“立即重新评估”）。", "These rules decide how customers are tiered, how much history the models read, whom the churn watch lists, and how each tier is approached and served. They apply from the next assessment (use \"Recompute now\" on the value page).";
    settings_read_only => "只有管理员可以修改这些设置。", "Only admins can change these settings.";
    settings_tiers => "分级规则（ABC / 80-20）", "Tiers (ABC / 80-20)";
    settings_tiers_hint => "A 类 = 使窗口内价值累计达到该占比的最少客户（主客户）；其后 B 类（大客户）；其余 C 类（普通客户）；窗口内无购买或低于门槛的为小客户。", "A = the fewest customers making this share of the window's value (key accounts); then B (major); the rest C (regular); no purchase in the window, or under the threshold, is small.";
    settings_models => "预测与终身价值", "Forecasts and lifetime value";
    settings_models_hint => "终身价值 V = Σ (收入 − 成本)(1+i)^(−t)：历史部分按年利率复利到今天，未来部分按预测期逐月折现。订单无成本时按该毛利率估算。", "Lifetime value V = Σ (revenue − cost)(1+i)^(−t): the past compounded to today at the annual rate, the future discounted month by month over the horizon. Orders without a cost count at this margin rate.";
    settings_churn => "流失预警", "Churn watch";
    settings_weights => "重点客户评分权重", "Key-account score weights";
    settings_weights_hint => "评分 = Σ 权重 × 得分 / Σ 有数据的权重；暂无数据的项目不计权重。", "Score = Σ weight × score / Σ weights of the parts with data; parts without data carry no weight.";
    settings_rules => "各层级的接触与服务方式", "Approach and service by tier";
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
    loyalty => "忠诚度", "Loyalty";
    repeat_and_tenure => "复购与合作年限（关键客户评分的一项）", "Repeat buying and tenure (part of the key-customer score)";
    stability => "购买稳定性", "Stability";
    tolerance_feedback_referrals_credit => "容忍度、反馈、转介绍、信用", "Tolerance, feedback, referrals, credit";
    no_data => "暂无数据", "no data";
    nav_value => "客户价值", "Value";
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
    alive_below => "活跃概率低于（%）", "P(alive) below (%)";
    value_as_of => "评估日期", "Assessed as of";
    value_tier => "价值层级", "Tier";
    rfm => "RFM", "RFM";
    rfm_segment => "RFM 分群", "RFM segment";
    p_alive => "仍活跃的概率", "P(alive)";
    expected_purchases => "预测期内预计购买次数", "Expected purchases over the horizon";
    expected_spend => "预计每次消费", "Expected spend per purchase";
    clv_history => "历史价值（已实现）", "Lifetime value so far";
    clv_projected => "预测期内价值（折现）", "Value over the horizon (discounted)";
    approach => "建议接触方式", "Recommended approach";
    service_level => "服务方式", "Service";
    not_assessed => "还没有价值评估。价值从订单算出：每晚 2:00 自动评估，经理也可以点“立即重新评估”。", "Not assessed yet. Value is computed from orders, every night at 2:00; a manager can also press Recompute now.";
    customer_not_assessed => "还没有价值评估：价值从订单算出，有了订单后当晚评估。", "Not assessed yet: value is computed from orders, the night after the first one.";
    no_orders_yet => "还没有订单？", "No orders yet?";
    act_create => "新建", "created";
    act_update => "修改", "changed";
    act_delete => "删除", "removed";
    act_restore => "恢复", "restored";
    act_merge => "合并", "merged";
    act_unmerge => "撤销合并", "merge undone";
    act_import => "导入", "imported";
    act_export => "导出", "exported";
    act_move => "推进", "moved";
    act_close => "结束", "closed";
    act_tick => "勾选", "ticked";
    act_dismiss_duplicate => "排除重复：", "dismissed as duplicates:";
    ent_customer => "客户", "customer";
    ent_key_person => "关键人物", "key person";
    ent_person_around => "周围的人", "person around";
    ent_interaction => "互动记录", "interaction";
    ent_user => "用户", "user";
    ent_api_token => "API 令牌", "API token";
    ent_order => "订单", "order";
    ent_opportunity => "商机", "deal";
    ent_settings => "设置", "settings";
    audit_count => "数量", "Count";
    audit_undone => "已撤回（导入没有完成）", "Taken back (the import did not finish)";
    audit_removed => "撤回时删除", "Removed when taken back";
    audit_restored => "撤回时改回", "Put back when taken back";
    audit_binned => "撤回时移入回收站", "Moved to the recycle bin when taken back";
    audit_skipped => "跳过", "Skipped";
    audit_since => "开始", "Since";
    audit_until => "结束", "Until";
    audit_analysis => "分析", "Analysis";
    audit_situation => "现状", "Situation";
    audit_expires => "失效时间", "Expires";
    audit_active => "启用", "Active";
    ent_customers => "客户", "customers";
    ent_orders => "订单", "orders";
    ent_opportunities => "商机", "deals";
    ent_attachment => "附件", "attachment";
    ent_competitor => "竞争对手", "competitor";
    ent_competitor_engagement => "竞争对手接触", "competitor engagement";
    ent_decision_chain => "决策链", "decision chain";
    ent_health_check => "关系健康检查", "relationship health check";
    ent_objection => "异议", "objection";
    ent_referral => "推荐", "referral";
    ent_relationship => "关系阶段", "relationship stage";
    ent_relationship_level => "关系层级", "relationship level";
    ent_survey => "满意度调查", "satisfaction survey";
    ent_survey_link => "调查链接", "survey link";
    ent_task => "标准动作", "standard action";
    ent_wallet_share => "钱包份额", "share of wallet";
    ent_winback_attempt => "挽回尝试", "win-back attempt";
    ent_winback_case => "挽回案例", "win-back case";
    ent_upload => "上传的文件", "upload";
    ent_merge => "合并记录", "merge";
    ent_saved_view => "保存的视图", "saved view";
    ent_job => "后台任务", "background job";
    ent_sign_in_throttle => "登录限制", "sign-in limit";
    act_login => "登录", "signed in";
    act_login_failed => "登录失败", "sign-in failed";
    act_login_blocked => "登录被暂停（失败太多）", "sign-in blocked (too many failures)";
    act_logout => "退出", "signed out";
    act_token_used => "使用 API 令牌（当天首次）", "used an API token (first time that day)";
    act_reauth_failed => "再次输入密码错误", "wrong password when confirming";
    act_bulk_read => "大量读取客户记录，已暂停", "read many customer records, paused";
    nav_audit => "审计日志", "Audit log";
    audit_intro => "谁在什么时候做了什么：每一处修改、导入导出、登录与失败、API 令牌的使用（每天首次），以及来源地址。", "Who did what and when: every change, import and export, sign-ins and failures, API token use (first each day), with the client's address.";
    audit_who => "用户", "User";
    audit_action => "动作", "Action";
    audit_entity => "对象", "Record";
    audit_client => "来源地址", "Client";
    audit_older => "更早的记录", "Older entries";
    audit_none => "没有符合条件的记录。", "No entry matches.";
}

impl T {
    pub fn lang(&self) -> Lang {
        self.0
    }

    /// What a kind of record (an audit entity code) is called in this language; an unknown
    /// code is returned as it is.
    pub fn entity<'a>(&self, code: &'a str) -> &'a str {
        match code {
            "customer" => self.ent_customer(),
            "key_person" => self.ent_key_person(),
            "person_around" => self.ent_person_around(),
            "interaction" => self.ent_interaction(),
            "user" => self.ent_user(),
            "api_token" => self.ent_api_token(),
            "order" => self.ent_order(),
            "opportunity" => self.ent_opportunity(),
            "settings" => self.ent_settings(),
            "customers" => self.ent_customers(),
            "orders" => self.ent_orders(),
            "opportunities" => self.ent_opportunities(),
            "attachment" => self.ent_attachment(),
            "competitor" => self.ent_competitor(),
            "competitor_engagement" => self.ent_competitor_engagement(),
            "decision_chain" => self.ent_decision_chain(),
            "health_check" => self.ent_health_check(),
            "objection" => self.ent_objection(),
            "referral" => self.ent_referral(),
            "relationship" => self.ent_relationship(),
            "relationship_level" => self.ent_relationship_level(),
            "survey" => self.ent_survey(),
            "survey_link" => self.ent_survey_link(),
            "task" => self.ent_task(),
            "wallet_share" => self.ent_wallet_share(),
            "winback_attempt" => self.ent_winback_attempt(),
            "winback_case" => self.ent_winback_case(),
            "upload" => self.ent_upload(),
            "merge" => self.ent_merge(),
            "saved_view" => self.ent_saved_view(),
            "job" => self.ent_job(),
            "sign_in_throttle" => self.ent_sign_in_throttle(),
            other => other,
        }
    }

    /// The label of a field in this language.
    pub fn field(&self, field: impl std::borrow::Borrow<Field>) -> &'static str {
        field.borrow().label(self.0)
    }

    /// After an import: how many of its customers nobody looks after yet.
    pub fn imported_unowned(&self, n: i64) -> String {
        match self.0 {
            Lang::ZhCn => {
                format!("其中 {n} 位客户还没有负责人（文件里没有负责人一列，或那一格是空的），没人会去跟进他们。")
            }
            Lang::En => format!(
                "{n} of these customers have no owner yet (the file has no owner column, or the cell is empty): nobody will follow them up."
            ),
        }
    }

    /// "90 天" / "90 days".
    pub fn days_n(&self, n: i64) -> String {
        match self.0 {
            Lang::ZhCn => format!("{n} 天"),
            Lang::En => format!("{n} days"),
        }
    }

    /// `zh` or `en` by language, for texts built at run time (such as a store error).
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.0.pick(zh, en)
    }

    /// A health score not known yet: how many signs are, and how many it needs.
    pub fn score_not_known(&self, known: impl std::fmt::Display) -> String {
        let min = guanxi_domain::health::MIN_KNOWN;
        match self.0 {
            Lang::ZhCn => format!("尚不清楚（已知 {known}/10 项，至少需要 {min} 项）"),
            Lang::En => format!("not known yet ({known} of 10 signs known; it takes {min})"),
        }
    }

    /// The colon after a label: 「负责人：」 / "Owner: ".
    pub fn colon(&self) -> &'static str {
        self.pick("：", ": ")
    }

    /// Between items of a list in a sentence: 「；」 / "; ".
    pub fn semicolon(&self) -> &'static str {
        self.pick("；", "; ")
    }

    /// An aside in brackets after something: 「（3）」 / " (3)".
    pub fn aside(&self, text: impl std::fmt::Display) -> String {
        match self.0 {
            Lang::ZhCn => format!("（{text}）"),
            Lang::En => format!(" ({text})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_message_is_blank_and_languages_differ_where_they_should() {
        for (key, zh, en) in ALL {
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{key} is blank");
        }
        assert_eq!(T(Lang::ZhCn).sign_in(), "登录");
        assert_eq!(T(Lang::En).sign_in(), "Sign in");
    }

    /// Issue #22: each language with its own punctuation, and English without Chinese.
    #[test]
    fn each_message_is_punctuated_in_its_language() {
        let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        let mut wrong = Vec::new();
        for (key, zh, en) in ALL {
            let z: Vec<char> = zh.chars().collect();
            if z.windows(2).any(|w| han(w[0]) && [',', ':', ';', '(', '!', '?'].contains(&w[1])) {
                wrong.push(format!("{key} (zh): {zh}"));
            }
            // The product's name, and the switch that names the other language in it.
            let bilingual = ["app_name", "switch_language"].contains(key);
            if !bilingual && en.chars().any(|c| han(c) || "，。：；（）、！？「」".contains(c)) {
                wrong.push(format!("{key} (en): {en}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
