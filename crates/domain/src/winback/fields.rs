//! Win-back's fields: referrals and their rewards, win-back attempts and their outcome.

use crate::error::fields;

fields! {
    Referrer = "referrer", "推荐人（客户编号或全名）", "Referred by (Guanxi ID or full name)", ["推荐人", "介绍人"];
    ReferrerPerson = "referrer_person", "推荐人中的联系人", "Referrer's key person", ["推荐联系人"];
    ReferredOn = "referred_on", "推荐日期", "Referred on", [];
    RewardKind = "reward_kind", "奖励方式", "Reward", ["奖励"] => super::RewardKind;
    Reward = "reward", "奖励内容", "Reward given", [];
    RewardValue = "reward_value", "奖励价值（元）", "Reward value (yuan)", [];
    AttemptWhat = "what", "说了什么、做了什么", "What we said or did", [];
    TheirResponse = "their_response", "客户的反应", "Their response", [];
    Outcome = "outcome", "结果", "Outcome", [];
    OutcomeReason = "outcome_reason", "原因", "Reason", [];
}
