//! The message catalogues of the web app: one per page group (`i18n/sales.rs`, …) and a common one
//! for the chrome. Each message is a method on [`T`] with a Chinese and an English text side by
//! side; a message without both does not compile. Vocabulary labels
//! (channels, roles, statuses…) and field names come from the domain's own tables.

use guanxi_domain::{Field, Lang};

/// The texts of the user's language. `t.customers()` → 客户 / Customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T(pub Lang);

/// One catalogue's messages as methods of [`T`], each with its Chinese and English text; a
/// message without both does not compile, and a name used by two catalogues neither.
macro_rules! catalogue {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        impl $crate::i18n::T {
            $(
                pub fn $key(&self) -> &'static str {
                    match self.0 {
                        guanxi_domain::Lang::ZhCn => $zh,
                        guanxi_domain::Lang::En => $en,
                    }
                }
            )*
        }

        /// Every message of this catalogue in both languages, for the tests in `i18n`.
        #[cfg(test)]
        pub(crate) const ALL: &[$crate::i18n::Message] = &[$((stringify!($key), $zh, $en)),*];
    };
}

mod account;
mod audit;
mod cadences;
mod common;
mod customers;
mod notifications;
mod orders;
mod outbox;
mod records;
mod relationships;
mod reports;
mod sales;
mod surveys;
mod tasks;
mod transfer;
mod value;
mod winback;

/// A message's name, its Chinese and its English text.
#[cfg(test)]
mod count_tests {
    use super::*;

    #[test]
    fn english_counts_agree_with_their_number() {
        let t = T(Lang::En);
        assert_eq!(t.count("{n} letter{s} {are} waiting", 1), "1 letter is waiting");
        assert_eq!(t.count("{n} letter{s} {are} waiting", 3), "3 letters are waiting");
        assert_eq!(T(Lang::ZhCn).count("{n} 封信函待打印", 1), "1 封信函待打印");
    }
}

#[cfg(test)]
type Message = (&'static str, &'static str, &'static str);

/// Every catalogue by its file's name: a new feature's catalogue is added here.
#[cfg(test)]
const CATALOGUES: &[(&str, &[Message])] = &[
    ("common", common::ALL),
    ("records", records::ALL),
    ("customers", customers::ALL),
    ("transfer", transfer::ALL),
    ("orders", orders::ALL),
    ("value", value::ALL),
    ("sales", sales::ALL),
    ("reports", reports::ALL),
    ("relationships", relationships::ALL),
    ("surveys", surveys::ALL),
    ("winback", winback::ALL),
    ("account", account::ALL),
    ("audit", audit::ALL),
    ("tasks", tasks::ALL),
    ("outbox", outbox::ALL),
    ("cadences", cadences::ALL),
    ("notifications", notifications::ALL),
];

impl T {
    pub fn lang(&self) -> Lang {
        self.0
    }

    /// A message about `n` things: `{n}` the number; in English `{s}` is "s" and `{are}` "are"
    /// unless there is one ("1 letter is waiting", "2 letters are waiting").
    pub fn count(&self, text: &str, n: i64) -> String {
        let one = n == 1;
        text.replace("{n}", &n.to_string())
            .replace("{s}", if one { "" } else { "s" })
            .replace("{are}", if one { "is" } else { "are" })
    }

    /// The label of a field in this language.
    pub fn field(&self, field: impl std::borrow::Borrow<Field>) -> &'static str {
        field.borrow().label(self.0)
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

    fn all() -> impl Iterator<Item = &'static Message> {
        CATALOGUES.iter().flat_map(|(_, messages)| messages.iter())
    }

    /// A catalogue left out of `CATALOGUES` would escape the tests below.
    #[test]
    fn every_catalogue_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/i18n");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("src/i18n")
            .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".rs").map(str::to_string))
            .filter(|name| name != "mod")
            .collect();
        files.sort();
        let mut listed: Vec<String> = CATALOGUES.iter().map(|(name, _)| name.to_string()).collect();
        listed.sort();
        assert_eq!(files, listed);
        assert!(all().count() > 600, "every message is counted");
    }

    #[test]
    fn no_message_is_blank_and_languages_differ_where_they_should() {
        for (key, zh, en) in all() {
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
        for (key, zh, en) in all() {
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
