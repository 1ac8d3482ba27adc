//! Satisfaction surveys, including the customer's own page behind a link.

catalogue! {
    survey_intro => "满意有三个层次：满意；满意并会再次购买；满意、会再次购买并会推荐朋友。同时问客户原先期望多少、实际得到多少。可以在拜访或电话时代为记录，也可以发一个链接让客户自己填（无需登录，只能填一次，过期作废）。", "Satisfaction has three levels: satisfied; satisfied and will buy again; satisfied, will buy again and will bring friends. Ask too what they expected and what they got. Record the answers yourself after a visit or a call, or send the customer a link (no sign-in, one answer, until it expires).";
    send_link => "生成调查链接发给客户", "Make a link for the customer";
    make_link => "生成链接", "Make the link";
    link_days => "有效天数", "Valid for (days)";
    record_survey => "代客户记录答案", "Record the customer's answers";
    no_surveys => "还没有满意度调查。", "No survey yet.";
    answered => "已填写于", "Answered";
    link_expired => "链接已过期于", "Link expired";
    waiting_until => "等待填写，链接有效至", "Waiting for an answer; the link is open until";
    copy_link => "调查链接（复制后发给客户）", "Survey link (copy it to the customer)";
    withdraw_link => "撤回链接", "Withdraw the link";
    survey_public_title => "满意度调查", "Satisfaction survey";
    survey_public_intro => "感谢您抽出一分钟时间。您的回答只用于改进我们的产品和服务。", "Thank you for taking a minute. Your answers are used only to improve our products and service.";
    survey_thanks => "已收到您的回答，谢谢！", "Your answers are in. Thank you!";
    submit_answers => "提交", "Submit";
    public_url_unset => "还没有设置公开地址，链接用的是这台服务器的地址，客户在外面可能打不开：", "No public address is set: links use this server's own address, which customers outside may not reach:";
    set_public_url => "设置公开地址", "Set the public address";
    ask_admin_public_url => "请管理员在“用户”页设置公开地址。", "Ask an admin to set the public address on the Users page.";
}
