//! 郵便番号: 7 half-width digits in storage, `123-4567` on display (GIF 443).

use std::fmt;

use super::kana::nfkc;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostalCode(String);

impl PostalCode {
    /// Accepts `1508601`, `150-8601`, `〒150-8601`, full-width digits and dash variants.
    pub fn parse(input: &str) -> Option<PostalCode> {
        let s: String = nfkc(input)
            .chars()
            .filter(|c| !matches!(c, '〒' | '-' | '‐' | '−' | 'ー' | '―' | ' '))
            .collect();
        (s.len() == 7 && s.bytes().all(|b| b.is_ascii_digit())).then_some(PostalCode(s))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.0[..3], &self.0[3..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_spellings() {
        for s in [
            "1508601",
            "150-8601",
            "〒150-8601",
            "１５０－８６０１",
            "150ー8601",
        ] {
            assert_eq!(
                PostalCode::parse(s).map(|p| p.to_string()),
                Some("150-8601".into()),
                "{s}"
            );
        }
        assert_eq!(PostalCode::parse("150-860"), None);
        assert_eq!(PostalCode::parse("15086011"), None);
        assert_eq!(PostalCode::parse("abc-defg"), None);
    }

    proptest! {
        #[test]
        fn any_seven_digits_round_trip(d in "[0-9]{7}") {
            let p = PostalCode::parse(&d).expect("seven digits");
            prop_assert_eq!(p.digits(), d.as_str());
            prop_assert_eq!(PostalCode::parse(&p.to_string()), Some(p));
        }
    }
}
