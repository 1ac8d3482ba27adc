//! What a password must be (ASVS 4.0.3 §2.1): 12 to 200 characters, not one of the passwords
//! everybody tries first, not built from the username, not one character repeated or a run of
//! the keyboard or the alphabet. Length is counted in characters, so a passphrase in Chinese
//! counts as written.

/// The fewest characters a password may have.
pub const MIN: usize = 12;
/// The most (Argon2 hashes anything, but a megabyte of password is not a password).
pub const MAX: usize = 200;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    TooLong,
    /// On the list of passwords people use most.
    Common,
    /// Contains the username (or the username contains it).
    HasUsername,
    /// One character repeated, or a run such as `123456789012` or `abcdefghijkl`.
    Pattern,
}

impl Weakness {
    pub fn message(self, lang: crate::Lang) -> String {
        use crate::Lang::*;
        match (self, lang) {
            (Weakness::TooShort, ZhCn) => format!("密码至少要 {MIN} 个字符（可以用一句好记的话）"),
            (Weakness::TooShort, En) => {
                format!("The password needs at least {MIN} characters (a phrase you remember works)")
            }
            (Weakness::TooLong, ZhCn) => format!("密码最多 {MAX} 个字符"),
            (Weakness::TooLong, En) => format!("The password may have at most {MAX} characters"),
            (Weakness::Common, ZhCn) => "这是最常见的密码之一，很容易被猜到，请换一个".into(),
            (Weakness::Common, En) => {
                "This is one of the most common passwords and easily guessed; choose another".into()
            }
            (Weakness::HasUsername, ZhCn) => "密码不能包含用户名".into(),
            (Weakness::HasUsername, En) => "The password must not contain the username".into(),
            (Weakness::Pattern, ZhCn) => "密码不能是同一个字符重复或连续的字符（如 123456、abcdef、qwerty）".into(),
            (Weakness::Pattern, En) => {
                "The password must not be one character repeated or a run (like 123456, abcdef, qwerty)".into()
            }
        }
    }
}

/// Passwords at the top of every leaked list, and the ones Chinese users favour (拼音, 520, 1314…).
/// Compared case-insensitively with the password and with the password stripped of trailing
/// digits and punctuation (`Password2024!` is `password`).
const COMMON: &[&str] = &[
    "123456",
    "password",
    "12345678",
    "qwerty",
    "123456789",
    "12345",
    "1234",
    "111111",
    "1234567",
    "dragon",
    "123123",
    "baseball",
    "abc123",
    "football",
    "monkey",
    "letmein",
    "696969",
    "shadow",
    "master",
    "666666",
    "qwertyuiop",
    "123321",
    "mustang",
    "1234567890",
    "michael",
    "654321",
    "pussy",
    "superman",
    "1qaz2wsx",
    "7777777",
    "fuckyou",
    "121212",
    "000000",
    "qazwsx",
    "123qwe",
    "killer",
    "trustno1",
    "jordan",
    "jennifer",
    "zxcvbnm",
    "asdfgh",
    "hunter",
    "buster",
    "soccer",
    "harley",
    "batman",
    "andrew",
    "tigger",
    "sunshine",
    "iloveyou",
    "fuckme",
    "2000",
    "charlie",
    "robert",
    "thomas",
    "hockey",
    "ranger",
    "daniel",
    "starwars",
    "klaster",
    "112233",
    "george",
    "asshole",
    "computer",
    "michelle",
    "jessica",
    "pepper",
    "1111",
    "zxcvbn",
    "555555",
    "11111111",
    "131313",
    "freedom",
    "777777",
    "pass",
    "fuck",
    "maggie",
    "159753",
    "aaaaaa",
    "ginger",
    "princess",
    "joshua",
    "cheese",
    "amanda",
    "summer",
    "love",
    "ashley",
    "6969",
    "nicole",
    "chelsea",
    "biteme",
    "matthew",
    "access",
    "yankees",
    "987654321",
    "dallas",
    "austin",
    "thunder",
    "taylor",
    "matrix",
    "admin",
    "administrator",
    "welcome",
    "login",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "qwerty123",
    "abcd1234",
    "changeme",
    "secret",
    "default",
    "guest",
    "root",
    "test",
    "test123",
    "temp",
    "letmein1",
    "welcome1",
    "iloveyou1",
    "password1",
    "qwe123",
    "1q2w3e4r",
    "1q2w3e",
    "q1w2e3r4",
    "zaq12wsx",
    "aa123456",
    "a123456",
    "a12345678",
    "qq123456",
    "woaini",
    "woaini1314",
    "woaini520",
    "5201314",
    "1314520",
    "520520",
    "521521",
    "woaiwojia",
    "wodemima",
    "mima",
    "mima123",
    "zhangwei",
    "wangwei",
    "liwei",
    "liuyang",
    "zhangjie",
    "wangfang",
    "lijing",
    "zhangmin",
    "beijing",
    "shanghai",
    "shenzhen",
    "guangzhou",
    "china",
    "zhongguo",
    "aini1314",
    "caonima",
    "tianya",
    "dearbook",
    "xiaoming",
    "huawei",
    "xiaomi",
    "taobao",
    "alibaba",
    "wechat",
    "weixin",
    "baidu",
    "tencent",
    "guanxi",
    "crm",
    "sales",
    "xiaoshou",
    "kehu",
    "company",
    "88888888",
    "8888888",
    "888888",
    "66666666",
    "6666666",
    "99999999",
    "168168",
    "518518",
    "147258369",
    "123654",
    "147258",
    "159357",
    "123456a",
    "123456abc",
    "a1b2c3d4",
    "asdf1234",
    "qweasdzxc",
    "1qazxsw2",
    "asdfghjkl",
    "zxcvbnm123",
    "qwertyui",
    "1234qwer",
    "qwer1234",
    "abcdefg",
    "abcdef",
    "iloveu",
];

/// Runs along the keyboard's rows and the alphabet, read in both directions by [`is_pattern`].
const RUNS: &[&str] = &[
    "01234567890",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    // The letter rows one after another, as a finger runs on (`qwertyuiopas`).
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
];

fn is_pattern(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    if chars.windows(2).all(|w| w[0] == w[1]) {
        return true;
    }
    // A stretch of one run, forwards or backwards, possibly repeated (`123456123456`).
    let fits = |run: &str| {
        let run: Vec<char> = run.chars().collect();
        let step = |a: char, b: char| {
            run.windows(2).any(|w| (w[0] == a && w[1] == b) || (w[1] == a && w[0] == b))
                || (run.first() == Some(&b) && run.last() == Some(&a))
        };
        chars.windows(2).all(|w| step(w[0], w[1]))
    };
    RUNS.iter().any(|r| fits(r))
}

/// Checks a new password for `username`.
pub fn check(password: &str, username: &str) -> Result<(), Weakness> {
    let n = password.chars().count();
    if n < MIN {
        return Err(Weakness::TooShort);
    }
    if n > MAX {
        return Err(Weakness::TooLong);
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let stem = stem.trim_start_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if COMMON.iter().any(|c| *c == lower || *c == stem) {
        return Err(Weakness::Common);
    }
    let user = username.trim().to_lowercase();
    let user_stem = user.split(['.', '_', '-', '@']).filter(|p| p.chars().count() >= 4).collect::<Vec<_>>();
    if !user.is_empty() && (lower.contains(&user) || user_stem.iter().any(|p| lower.contains(p))) {
        return Err(Weakness::HasUsername);
    }
    if is_pattern(&lower) {
        return Err(Weakness::Pattern);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_named() {
        assert_eq!(check("password", "li.na"), Err(Weakness::TooShort));
        assert_eq!(check("12345678", "li.na"), Err(Weakness::TooShort));
        assert_eq!(check("Password2024!", "li.na"), Err(Weakness::Common));
        assert_eq!(check("woaini1314520", "li.na"), Err(Weakness::Common));
        assert_eq!(check("1234567890123", "li.na"), Err(Weakness::Pattern));
        assert_eq!(check("aaaaaaaaaaaaa", "li.na"), Err(Weakness::Pattern));
        assert_eq!(check("qwertyuiopqwertyuiop", "li.na"), Err(Weakness::Pattern));
        assert_eq!(check("zyxwvutsrqponm", "li.na"), Err(Weakness::Pattern));
        assert_eq!(check("qwertyuiopas", "li.na"), Err(Weakness::Pattern), "a finger running on to the next row");
        assert_eq!(check("victim12victim12", "victim"), Err(Weakness::HasUsername));
        assert_eq!(check("my-zhang.wei-2026", "zhang.wei"), Err(Weakness::HasUsername));
        assert_eq!(check("wei is the best boss", "zhang.wei"), Ok(()), "parts under 4 characters are not names");
        assert_eq!(check(&"x1".repeat(101), "li.na"), Err(Weakness::TooLong));
    }

    #[test]
    fn good_passwords_pass() {
        for ok in ["correct-horse-42", "我家门口有两棵枣树一棵也是", "Tea at 3 with Mr Wang", "kV8#pq2!Lm0z"]
        {
            assert_eq!(check(ok, "li.na"), Ok(()), "{ok}");
        }
        assert!(Weakness::Common.message(crate::Lang::ZhCn).contains("常见"));
        assert!(Weakness::TooShort.message(crate::Lang::En).contains("12"));
    }
}
