//! The fields of a competitor and of a customer's engagement with one.

use crate::error::fields;

fields! {
    Competitor = "competitor", "竞争对手", "Competitor", [];
    CompetitorWho = "who", "是谁", "Who they are", [];
    Situation = "situation", "现状", "Their situation", [];
    Analysis = "analysis", "分析", "Analysis", [];
    Heading = "heading", "发展方向", "Direction", [];
    Intent = "intent", "战略意图", "Strategic intent", [];
    Steer = "steer", "如何引导其行为", "How we steer them", [];
    Evidence = "evidence", "依据", "Evidence", [];
    Engagement = "engagement", "接触程度", "Engagement", [] => super::EngagementKind;
    Since = "since", "开始日期", "Since", [];
}
