//! Why two customers are likely the same one.

use crate::Lang;
use serde::Serialize;

/// The reasons a pair is proposed, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    SamePhone,
    SameEmail,
    SameNameAndCompany,
    /// Names that sound the same (张三 / 张叁) and share a city, a company or a phone prefix.
    PinyinEqualName,
}

impl DuplicateReason {
    pub fn code(self) -> &'static str {
        match self {
            DuplicateReason::SamePhone => "same_phone",
            DuplicateReason::SameEmail => "same_email",
            DuplicateReason::SameNameAndCompany => "same_name_and_company",
            DuplicateReason::PinyinEqualName => "pinyin_equal_name",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DuplicateReason::SamePhone => lang.pick("手机号相同", "same phone"),
            DuplicateReason::SameEmail => lang.pick("邮箱相同", "same e-mail"),
            DuplicateReason::SameNameAndCompany => lang.pick("姓名与公司相同", "same name and company"),
            DuplicateReason::PinyinEqualName => {
                lang.pick("姓名拼音相同且城市或公司相同", "names sound alike and share a city or company")
            }
        }
    }
}
