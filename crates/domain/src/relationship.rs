//! The relationship with a customer (seed 002): outsider 局外人 at first; friend 朋友 through
//! personal trust, or supplier 供应商 through the best offer; partner 合作伙伴 when both hold —
//! "两手都要硬". Every change is kept with who, when and why.

pub mod fields;

use crate::enums::vocabulary;
use crate::values::required_text;
use crate::{Field, Lang, Problem, Raw, Validation};

vocabulary! {
    /// Where the relationship with a customer stands.
    RelationshipStage {
        Outsider = "outsider", "局外人", "Outsider", [];
        Friend = "friend", "朋友", "Friend", [];
        Supplier = "supplier", "供应商", "Supplier", [];
        Partner = "partner", "合作伙伴", "Partner", ["伙伴"];
    }
}

vocabulary! {
    /// How close the contact with a customer is (seed 001, lecture 5).
    RelationshipLevel {
        Brand = "brand", "品牌关系", "Brand", ["品牌"];
        Distant = "distant", "疏远关系", "Distant", ["疏远"];
        FaceToFace = "face_to_face", "面对面关系", "Face to face", ["面对面"];
        Intimate = "intimate", "亲密关系", "Intimate", ["亲密"];
    }
}

/// The contacts of the last year a level is proposed from: face-to-face meetings and events
/// (how many, and days since the latest), and remote contacts — phone, letter, e-mail, website,
/// WeChat/SMS (how many). Media and the store's environment reach everyone: the brand level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactEvidence {
    pub face_to_face: (usize, Option<i64>),
    pub remote: (usize, Option<i64>),
}

impl ContactEvidence {
    /// The level the contacts show: a face-to-face meeting in the last 180 days → face to face;
    /// otherwise any phone, letter, e-mail, website or WeChat contact in the last year →
    /// distant; otherwise brand. Intimate is never proposed: it takes a person's judgment.
    pub fn proposed(&self) -> RelationshipLevel {
        if self.face_to_face.1.is_some_and(|d| d <= 180) {
            RelationshipLevel::FaceToFace
        } else if self.remote.0 > 0 || self.face_to_face.0 > 0 {
            RelationshipLevel::Distant
        } else {
            RelationshipLevel::Brand
        }
    }

    /// Why, in the user's language.
    pub fn reason(&self, lang: Lang) -> String {
        let (met, latest, remote) = (self.face_to_face.0, self.face_to_face.1, self.remote.0);
        match (lang, latest.filter(|_| met > 0)) {
            (Lang::ZhCn, Some(d)) => {
                format!("近一年面谈或活动 {met} 次（最近一次 {d} 天前），电话、信函、邮件、网站或微信 {remote} 次")
            }
            (Lang::ZhCn, None) => format!("近一年没有面谈或活动，电话、信函、邮件、网站或微信 {remote} 次"),
            (Lang::En, Some(d)) => format!(
                "in the last year {met} face-to-face meetings or events (the latest {d} days ago), {remote} calls, letters, e-mails, website or WeChat contacts"
            ),
            (Lang::En, None) => format!(
                "no face-to-face meeting or event in the last year, {remote} calls, letters, e-mails, website or WeChat contacts"
            ),
        }
    }
}

/// What a relationship has to gain to reach the next stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Personal trust: the customer likes dealing with us as people.
    PersonalTrust,
    /// The best offer: value for money, benefits others cannot give.
    BestOffer,
}

impl Missing {
    pub fn message(self, lang: Lang) -> &'static str {
        match self {
            Missing::PersonalTrust => lang.pick(
                "私人信任：客户愿意与我们的人打交道（共同的爱好、节日问候、共同的朋友）；这份情谊无法交接，尽量少换负责人",
                "Personal trust: the customer likes dealing with our people (shared interests, holiday greetings, mutual friends); it cannot be handed over, so change owners rarely",
            ),
            Missing::BestOffer => lang.pick(
                "最优方案：性能价格比最好，带来别家难以提供的益处",
                "The best offer: the best value for money, benefits others cannot give",
            ),
        }
    }
}

impl RelationshipStage {
    /// The stages one step on from here (the two paths meet at partner).
    pub fn next(self) -> &'static [RelationshipStage] {
        use RelationshipStage::*;
        match self {
            Outsider => &[Friend, Supplier],
            Friend | Supplier => &[Partner],
            Partner => &[],
        }
    }

    /// What is missing for the next stage: both for an outsider (either path), the other hand
    /// for a friend or a supplier, nothing for a partner (keep both).
    pub fn missing(self) -> &'static [Missing] {
        use RelationshipStage::*;
        match self {
            Outsider => &[Missing::PersonalTrust, Missing::BestOffer],
            Friend => &[Missing::BestOffer],
            Supplier => &[Missing::PersonalTrust],
            Partner => &[],
        }
    }
}

/// A change of stage as a person records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageMove {
    pub to: RelationshipStage,
    pub why: String,
}

impl StageMove {
    /// `to` and `why` (required: the history says why). Forward moves follow the two paths
    /// (an outsider becomes a partner through friend or supplier); moving back or sideways is
    /// allowed, since relationships cool.
    pub fn parse(raw: &Raw, from: RelationshipStage) -> Result<StageMove, Validation> {
        let mut v = Validation::default();
        let to_text = raw.get(Field::RelationshipStage);
        let to = match RelationshipStage::parse(to_text) {
            Some(to) => Some(to),
            None => {
                let problem = if to_text.trim().is_empty() {
                    Problem::Required
                } else {
                    Problem::UnknownChoice {
                        allowed: RelationshipStage::codes().iter().map(|c| c.to_string()).collect(),
                    }
                };
                v.push(Field::RelationshipStage, to_text, problem);
                None
            }
        };
        if let Some(to) = to {
            if to == from {
                v.push(Field::RelationshipStage, to.code(), Problem::Unchanged);
            } else if from == RelationshipStage::Outsider && to == RelationshipStage::Partner {
                v.push(Field::RelationshipStage, to.code(), Problem::SkipsAStage);
            }
        }
        let why = v.take(required_text(Field::Why, raw.get(Field::Why), 1000));
        match (to, why) {
            (Some(to), Some(why)) if v.is_empty() => Ok(StageMove { to, why }),
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RelationshipStage::*;

    #[test]
    fn the_level_is_proposed_from_the_contacts() {
        let e = |met: usize, days: Option<i64>, remote: usize| ContactEvidence {
            face_to_face: (met, days),
            remote: (remote, None),
        };
        assert_eq!(e(0, None, 0).proposed(), RelationshipLevel::Brand);
        assert_eq!(e(0, None, 7).proposed(), RelationshipLevel::Distant);
        let met = e(1, Some(40), 5);
        assert_eq!(met.proposed(), RelationshipLevel::FaceToFace);
        // A meeting long ago: only distant now.
        assert_eq!(e(1, Some(300), 0).proposed(), RelationshipLevel::Distant);
        assert!(met.reason(Lang::ZhCn).contains("面谈或活动 1 次（最近一次 40 天前）"));
        let never = e(0, None, 3);
        assert!(never.reason(Lang::ZhCn).starts_with("近一年没有面谈或活动"), "{}", never.reason(Lang::ZhCn));
    }

    #[test]
    fn the_two_paths_meet_at_partner() {
        assert_eq!(Outsider.next(), [Friend, Supplier]);
        assert_eq!(Friend.missing(), [Missing::BestOffer]);
        assert_eq!(Supplier.missing(), [Missing::PersonalTrust]);
        assert!(Partner.missing().is_empty());
        let raw = |to: &str, why: &str| Raw::new().with(Field::RelationshipStage, to).with(Field::Why, why);
        assert_eq!(StageMove::parse(&raw("朋友", "一起打网球三年"), Outsider).unwrap().to, Friend);
        // Back is allowed: relationships cool.
        assert_eq!(StageMove::parse(&raw("supplier", "老朋友调走了"), Partner).unwrap().to, Supplier);
        let e = StageMove::parse(&raw("partner", "签了大单"), Outsider).unwrap_err();
        assert_eq!(e.0[0].problem, Problem::SkipsAStage);
        assert!(e.message(Lang::ZhCn).contains("朋友或供应商"), "{}", e.message(Lang::ZhCn));
        let e = StageMove::parse(&raw("enemy", ""), Friend).unwrap_err();
        assert_eq!(e.0.iter().map(|x| x.field).collect::<Vec<_>>(), [Field::RelationshipStage, Field::Why]);
        let e = StageMove::parse(&raw("friend", "x"), Friend).unwrap_err();
        assert_eq!(e.0[0].problem, Problem::Unchanged);
    }
}
