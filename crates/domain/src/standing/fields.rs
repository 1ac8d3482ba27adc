//! The fields of a customer's standing: share of wallet and satisfaction surveys.

use crate::error::fields;

fields! {
    WalletShare = "wallet_share", "我们在客户同类采购中的份额（%）", "Our share of their spending (%)", ["份额", "钱包份额"];
    About = "about", "调查起因", "Survey after", ["起因"] => super::SurveyAbout;
    Reference = "reference", "关联（订单号、拜访或工单）", "Reference (order, visit or ticket)", ["关联"];
    Satisfied = "satisfied", "您对我们满意吗", "Are you satisfied with us", ["满意"];
    BuyAgain = "buy_again", "您会再次购买吗", "Will you buy from us again", ["再次购买"];
    Recommend = "recommend", "您会向朋友推荐我们吗", "Will you recommend us to friends", ["推荐"];
    Expectation = "expectation", "您原先的期望（1–5）", "What you expected (1–5)", ["期望"];
    Experience = "experience", "实际得到的（1–5）", "What you got (1–5)", ["实际"];
    Comment = "comment", "意见与建议", "Comments", ["评语"];
    Respondent = "respondent", "填写人", "Answered by", [];
}
