//! The archive's closed vocabularies. Each value has a stable snake_case code (stored in the
//! database and used by the API), a Chinese and an English label, and extra spellings that
//! imports accept (Chinese Excel sheets say 个人 / 企业, not `individual`).

use crate::Lang;

/// Defines a closed vocabulary: `code` is stored, labels are shown, aliases are accepted.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal $(, [$($alias:literal),* $(,)?])? ; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The same values as data, in the same order: for a [`crate::Field`] that holds
            /// one of these codes and shows it as its label.
            pub const TERMS: &'static [$crate::enums::Term] = &[$(
                $crate::enums::Term { code: $code, zh: $zh, en: $en, aliases: &[$($($alias),*)?] }
            ),+];

            /// The stable code stored in the database and used by the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($zh, $en),)+ }
            }

            /// Accepts the code, either label or a known alias, ignoring case, spaces,
            /// `-` and `_`.
            pub fn parse(input: &str) -> Option<$name> {
                $crate::enums::folded(input).next()?;
                let same = |other: &str| $crate::enums::folded(input).eq($crate::enums::folded(other));
                $(
                    if same($code) || same($zh) || same($en) $( $( || same($alias) )* )? {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            /// The value whose stable code is exactly `code` (aliases and labels not accepted).
            pub fn from_code(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }

            /// The codes, for error messages that list what is allowed.
            pub fn codes() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.code()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown value {:?}; expected one of {}",
                        s,
                        $name::codes().join(", ")
                    ))
                })
            }
        }
    };
}
pub(crate) use vocabulary;

/// One value of a vocabulary as data: what [`vocabulary!`]'s `parse` and `label` work from.
#[derive(Debug, PartialEq, Eq)]
pub struct Term {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub aliases: &'static [&'static str],
}

impl Term {
    /// The first term `input` names (its code, either label or an alias, folded as `parse`
    /// folds), the same one the vocabulary's `parse` returns.
    pub fn find<'t>(terms: &'t [Term], input: &str) -> Option<&'t Term> {
        folded(input).next()?;
        let same = |other: &str| folded(input).eq(folded(other));
        terms.iter().find(|t| same(t.code) || same(t.zh) || same(t.en) || t.aliases.iter().any(|a| same(a)))
    }
}

/// Lowercases and drops spaces, `-`, `_` and `/` so that `Face-to-face`, `face_to_face` and
/// `FACE TO FACE` compare equal. An iterator, so comparing allocates nothing.
pub(crate) fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '/')).flat_map(char::to_lowercase)
}

vocabulary! {
    /// Individual person or organization (PRODUCT.md §1).
    CustomerKind {
        Individual = "individual", "个人", "Individual", ["person", "个人客户", "自然人", "p"];
        Organization = "organization", "组织", "Organization", ["企业", "公司", "单位", "机构", "organisation", "company", "org", "企业客户", "o"];
    }
}

vocabulary! {
    /// Where the customer stands: has not bought yet, buys, or has gone.
    CustomerStatus {
        Prospect = "prospect", "潜在客户", "Prospect", ["潜在", "lead"];
        Customer = "customer", "客户", "Customer", ["现有客户", "active", "成交客户"];
        Lost = "lost", "流失客户", "Lost", ["流失", "churned"];
    }
}

vocabulary! {
    /// Classification by purpose (seed 003).
    CustomerPurpose {
        Consumer = "consumer", "消费客户", "Consumer", ["消费", "end user"];
        Intermediary = "intermediary", "中间客户", "Intermediary", ["中间商", "经销商", "reseller", "分销"];
        PublicInterest = "public_interest", "公利客户", "Public interest", ["公利", "政府", "government", "协会", "媒体"];
    }
}

vocabulary! {
    /// What the customer weighs when buying (seed 001 L4).
    NeedsOrientation {
        Price = "price", "价格取向", "Price-oriented", ["价格", "price oriented"];
        Value = "value", "价值取向", "Value-oriented", ["价值", "value oriented"];
        Composite = "composite", "复合价值", "Composite", ["复合", "复合价值取向", "mixed"];
    }
}

vocabulary! {
    Gender {
        Male = "male", "男", "Male", ["m", "男性", "先生"];
        Female = "female", "女", "Female", ["f", "女性", "女士"];
        Other = "other", "其他", "Other", [];
    }
}

vocabulary! {
    /// A key person's part in the customer's buying decision (决策链).
    DecisionRole {
        DecisionMaker = "decision_maker", "决策者", "Decision maker", ["拍板人", "决策人"];
        Influencer = "influencer", "影响者", "Influencer", ["影响人"];
        TechnicalEvaluator = "technical_evaluator", "技术评估者", "Technical evaluator", ["技术把关", "技术评估"];
        User = "user", "使用者", "User", ["使用人", "用户"];
        Purchaser = "purchaser", "采购/把关者", "Purchaser / gatekeeper", ["采购", "采购者", "把关者", "gatekeeper"];
    }
}

vocabulary! {
    /// A key person's attitude to us.
    Attitude {
        Supporter = "supporter", "支持者", "Supporter", ["支持"];
        Neutral = "neutral", "中立", "Neutral", ["中立者"];
        Opponent = "opponent", "反对者", "Opponent", ["反对"];
    }
}

vocabulary! {
    /// How someone around a customer relates to them (周围人).
    Relation {
        Spouse = "spouse", "配偶", "Spouse", ["爱人", "妻子", "丈夫", "wife", "husband"];
        Child = "child", "子女", "Child", ["儿子", "女儿", "son", "daughter"];
        Parent = "parent", "父母", "Parent", ["父亲", "母亲", "father", "mother"];
        Family = "family", "其他家人", "Other family", ["家人", "亲属", "relative"];
        Friend = "friend", "朋友", "Friend", [];
        Superior = "superior", "上级", "Superior", ["领导", "boss"];
        Colleague = "colleague", "同事", "Colleague", [];
        Assistant = "assistant", "助理/秘书", "Assistant", ["秘书", "助理", "secretary"];
        Other = "other", "其他", "Other", [];
    }
}

vocabulary! {
    /// How a contact happened (seed 003): personal channels first, then non-personal ones.
    Channel {
        FaceToFace = "face_to_face", "面谈", "Face to face", ["面对面", "拜访", "visit", "meeting"];
        Phone = "phone", "电话", "Phone", ["call", "电话联系"];
        Letter = "letter", "信函", "Letter", ["信件", "mail"];
        Email = "email", "电子邮件", "E-mail", ["邮件", "e-mail"];
        Website = "website", "网站", "Website", ["网页", "web"];
        WechatSms = "wechat_sms", "微信/短信", "WeChat / SMS", ["微信", "短信", "wechat", "sms"];
        Media = "media", "媒体", "Media", ["广告", "advertising"];
        StoreEnvironment = "store_environment", "门店环境", "Store environment", ["门店", "store"];
        Event = "event", "活动", "Event", ["会议", "展会"];
    }
}

impl Channel {
    /// Personal channels reach one person; the others reach many at once.
    pub fn is_personal(self) -> bool {
        !matches!(self, Channel::Media | Channel::StoreEnvironment | Channel::Event)
    }
}

vocabulary! {
    Direction {
        Inbound = "inbound", "客户来访/来电", "Inbound", ["来电", "来访", "in"];
        Outbound = "outbound", "我方主动", "Outbound", ["去电", "拜访客户", "out"];
    }
}

vocabulary! {
    /// Whether the customer responded to a contact we started (a call picked up, a message
    /// answered): the "answers our calls" sign.
    Response {
        Answered = "answered", "已回应", "Answered", ["接听", "回复", "yes"];
        NoAnswer = "no_answer", "未回应", "No answer", ["未接", "没接", "no"];
    }
}

vocabulary! {
    /// What a contact carried from the customer: criticism of our product or service, a
    /// complaint, or praise (the "points out our flaws" and "scolds us" signs).
    Feedback {
        Criticism = "criticism", "意见与批评", "Criticism", ["意见", "批评", "建议"];
        Complaint = "complaint", "投诉", "Complaint", ["抱怨"];
        Praise = "praise", "表扬", "Praise", ["称赞", "好评"];
    }
}

vocabulary! {
    /// What a user may do in Guanxi.
    Role {
        Admin = "admin", "管理员", "Admin", ["总经理", "administrator"];
        Manager = "manager", "销售经理", "Manager", ["经理"];
        SalesRep = "sales_rep", "销售代表", "Sales rep", ["销售", "客户经理", "rep"];
        ServiceAgent = "service_agent", "客服", "Service agent", ["客服人员", "agent"];
        ReadOnly = "read_only", "只读", "Read-only", ["readonly", "viewer"];
    }
}

vocabulary! {
    /// A customer's value tier (PRODUCT.md §3), from the ABC split of revenue in the window:
    /// A → key, B → major, C → regular; no purchases in the window → small.
    ValueTier {
        Key = "key", "主客户", "Key account", ["主要客户", "a"];
        Major = "major", "大客户", "Major", ["b"];
        Regular = "regular", "普通客户", "Regular", ["c"];
        Small = "small", "小客户", "Small", [];
    }
}

vocabulary! {
    /// How an order was sold.
    SalesChannel {
        Store = "store", "门店", "Store", ["店面", "线下"];
        Online = "online", "线上", "Online", ["网店", "电商", "网上"];
        SalesRep = "sales_rep", "销售代表", "Sales rep", ["直销", "销售人员", "direct"];
        Reseller = "reseller", "经销商", "Reseller", ["代理商", "分销", "dealer"];
    }
}

vocabulary! {
    /// Credit rating of an organization's trading status.
    CreditRating {
        Aaa = "aaa", "AAA", "AAA", [];
        Aa = "aa", "AA", "AA", [];
        A = "a", "A", "A", [];
        B = "b", "B", "B", ["bbb", "bb"];
        C = "c", "C", "C", ["ccc", "cc"];
    }
}

vocabulary! {
    /// How close the trading relationship with an organization is.
    Closeness {
        Close = "close", "紧密", "Close", ["密切"];
        Normal = "normal", "一般", "Normal", ["普通"];
        Distant = "distant", "疏远", "Distant", ["较远"];
    }
}

vocabulary! {
    /// Headcount band of an organization.
    OrgSize {
        Micro = "micro", "微型（10 人以下）", "Micro (<10)", ["微型", "<10", "微型(<10人)"];
        Small = "small", "小型（10–99 人）", "Small (10–99)", ["小型", "10-99", "小型(10-99人)", "Small (10-99)"];
        Medium = "medium", "中型（100–999 人）", "Medium (100–999)", ["中型", "100-999", "中型(100-999人)", "Medium (100-999)"];
        Large = "large", "大型（1000 人以上）", "Large (1000+)", ["大型", "1000+", "大型(1000人以上)"];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_codes_labels_and_aliases() {
        assert_eq!(CustomerKind::parse("individual"), Some(CustomerKind::Individual));
        assert_eq!(CustomerKind::parse("企业"), Some(CustomerKind::Organization));
        assert_eq!(Channel::parse("Face-to-face"), Some(Channel::FaceToFace));
        assert_eq!(Channel::parse("微信"), Some(Channel::WechatSms));
        assert_eq!(DecisionRole::parse("决策者"), Some(DecisionRole::DecisionMaker));
        assert_eq!(Role::parse("SALES_REP"), Some(Role::SalesRep));
        assert_eq!(Gender::parse(""), None);
        assert_eq!(Attitude::parse("enemy"), None);
    }

    #[test]
    fn codes_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Some(*c));
            assert_eq!(Channel::parse(c.label(Lang::ZhCn)), Some(*c));
            assert_eq!(Channel::parse(c.label(Lang::En)), Some(*c));
        }
        for r in Relation::ALL {
            assert_eq!(Relation::parse(r.code()), Some(*r));
        }
    }

    #[test]
    fn serde_uses_codes() {
        let json = serde_json::to_string(&Channel::WechatSms).unwrap();
        assert_eq!(json, "\"wechat_sms\"");
        let back: Channel = serde_json::from_str("\"电话\"").unwrap();
        assert_eq!(back, Channel::Phone);
        assert!(serde_json::from_str::<Channel>("\"pigeon\"").is_err());
    }
}
