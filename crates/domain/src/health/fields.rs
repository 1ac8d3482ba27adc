//! The ten signs of a healthy relationship as fields of a health check, each with its note.

use crate::error::fields;

fields! {
    PointsOutFlaws = "points_out_flaws", "指出我们产品的不足", "Points out our product's flaws", [] => super::Answer;
    PointsOutFlawsNote = "points_out_flaws_note", "指出我们产品的不足：备注", "Points out our product's flaws: note", [];
    LikesBusinessTalk = "likes_business_talk", "喜欢与我们讨论业务", "Likes to discuss business with us", [] => super::Answer;
    LikesBusinessTalkNote = "likes_business_talk_note", "喜欢与我们讨论业务：备注", "Likes to discuss business with us: note", [];
    ThinksWeAreBest = "thinks_we_are_best", "认为我们是最好的", "Thinks we are the best", [] => super::Answer;
    ThinksWeAreBestNote = "thinks_we_are_best_note", "认为我们是最好的：备注", "Thinks we are the best: note", [];
    NoCompetitorContract = "no_competitor_contract", "不与竞争对手签约", "Does not sign with competitors", [] => super::Answer;
    NoCompetitorContractNote = "no_competitor_contract_note", "不与竞争对手签约：备注", "Does not sign with competitors: note", [];
    PutsOffCompetitors = "puts_off_competitors", "推迟与竞争对手的谈判", "Puts off talks with competitors", [] => super::Answer;
    PutsOffCompetitorsNote = "puts_off_competitors_note", "推迟与竞争对手的谈判：备注", "Puts off talks with competitors: note", [];
    BelievesWeHelp = "believes_we_help", "相信我们能帮助他们成功", "Believes we help them succeed", [] => super::Answer;
    BelievesWeHelpNote = "believes_we_help_note", "相信我们能帮助他们成功：备注", "Believes we help them succeed: note", [];
    NoCompetitorProducts = "no_competitor_products", "不选用竞争对手的产品", "Does not choose competitors' products", [] => super::Answer;
    NoCompetitorProductsNote = "no_competitor_products_note", "不选用竞争对手的产品：备注", "Does not choose competitors' products: note", [];
    NeedsUs = "needs_us", "需要我们就像我们需要他们", "Needs us as we need them", [] => super::Answer;
    NeedsUsNote = "needs_us_note", "需要我们就像我们需要他们：备注", "Needs us as we need them: note", [];
    AnswersCalls = "answers_calls", "接听我们的电话", "Answers our calls", [] => super::Answer;
    AnswersCallsNote = "answers_calls_note", "接听我们的电话：备注", "Answers our calls: note", [];
    ScoldsUs = "scolds_us", "时常骂我们", "Scolds us now and then", [] => super::Answer;
    ScoldsUsNote = "scolds_us_note", "时常骂我们：备注", "Scolds us now and then: note", [];
}
