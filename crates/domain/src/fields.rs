//! Every feature's fields together, in the order an import header is matched against them:
//! the one list a new feature adds its `fields::ALL` to. The fields themselves are declared by
//! each feature (`sales/fields.rs`, …); the machinery is in `error.rs`.

use crate::enums::folded;
use crate::error::Field;

const FEATURES: &[&[Field]] = &[
    crate::archive::fields::ALL,
    crate::users::ALL,
    crate::orders::fields::ALL,
    crate::value::fields::ALL,
    crate::sales::fields::ALL,
    crate::relationship::fields::ALL,
    crate::competitors::fields::ALL,
    crate::standing::fields::ALL,
    crate::winback::fields::ALL,
    crate::health::fields::ALL,
    crate::settings::ALL,
    crate::tasks::fields::ALL,
    crate::outbox::fields::ALL,
    crate::cadences::fields::ALL,
];

impl Field {
    /// Every field of every feature.
    pub fn all() -> impl Iterator<Item = Field> {
        FEATURES.iter().flat_map(|feature| feature.iter().copied())
    }

    /// The field whose stable code is exactly `code` (aliases and labels not accepted).
    pub fn from_code(code: &str) -> Option<Field> {
        Field::all().find(|f| f.code() == code)
    }

    /// The field `input` names: its code, either label or a known alias, ignoring case,
    /// spaces, `-` and `_`. The first feature's field wins where two share a spelling.
    pub fn parse(input: &str) -> Option<Field> {
        folded(input).next()?;
        Field::all().find(|f| f.is_named(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn codes_are_unique_across_features() {
        let mut seen = HashMap::new();
        for f in Field::all() {
            if let Some(other) = seen.insert(f.code(), f) {
                panic!("{f:?} and {other:?} share the code {}", f.code());
            }
        }
    }

    #[test]
    fn field_headers_map_from_chinese_and_english() {
        assert_eq!(Field::parse("姓名"), Some(Field::Name));
        assert_eq!(Field::parse("手机号码"), Some(Field::Phone));
        assert_eq!(Field::parse("Company"), Some(Field::Employer));
        assert_eq!(Field::parse("E-mail"), Some(Field::Email));
        assert_eq!(Field::parse("公司"), Some(Field::Employer));
    }
}
