//! 個人番号 (My Number): 12 digits, the last a check digit (平成26年総務省令第85号 第5条).

use std::fmt;

use super::kana::nfkc;

/// A My Number whose check digit is valid. `Debug` and `Display` show it masked; the digits
/// come out only through [`MyNumber::expose`], which callers use to encrypt it.
#[derive(Clone, PartialEq, Eq)]
pub struct MyNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MyNumberError {
    /// Not 12 digits after removing spaces and hyphens.
    Length,
    /// 12 digits whose check digit does not match.
    CheckDigit,
}

impl MyNumber {
    pub fn parse(input: &str) -> Result<MyNumber, MyNumberError> {
        let digits: String = nfkc(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '‐' | '−' | 'ー'))
            .collect();
        if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MyNumberError::Length);
        }
        let bytes = digits.as_bytes();
        let expected = check_digit(&bytes[..11]);
        if bytes[11] - b'0' != expected {
            return Err(MyNumberError::CheckDigit);
        }
        Ok(MyNumber(digits))
    }

    /// The digits, for encryption at rest. Never log or render this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `********9018`: only the last four digits are shown.
    pub fn masked(&self) -> String {
        format!("********{}", &self.0[8..])
    }
}

/// The check digit of the first 11 digits (ASCII).
pub fn check_digit(first11: &[u8]) -> u8 {
    debug_assert_eq!(first11.len(), 11);
    // P_n is the n-th digit from the right; Q_n = n+1 for n ≤ 6, n−5 for n ≥ 7.
    let sum: u32 = first11
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(d - b'0') * q
        })
        .sum();
    let r = sum % 11;
    if r <= 1 { 0 } else { (11 - r) as u8 }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MyNumber({})", self.masked())
    }
}

impl fmt::Display for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_numbers() {
        assert!(MyNumber::parse("123456789018").is_ok());
        assert_eq!(
            MyNumber::parse("123456789012"),
            Err(MyNumberError::CheckDigit)
        );
        assert!(MyNumber::parse("１２３４ ５６７８ ９０１８").is_ok());
        assert!(MyNumber::parse("1234-5678-9018").is_ok());
        assert_eq!(MyNumber::parse("12345678901"), Err(MyNumberError::Length));
        assert_eq!(MyNumber::parse("12345678901a"), Err(MyNumberError::Length));
    }

    #[test]
    fn masked_everywhere() {
        let n = MyNumber::parse("123456789018").expect("valid");
        assert_eq!(n.masked(), "********9018");
        assert_eq!(format!("{n:?}"), "MyNumber(********9018)");
        assert_eq!(format!("{n}"), "********9018");
    }

    #[test]
    fn remainder_zero_or_one_gives_zero() {
        // Σ mod 11 = 0 for all zeros → check digit 0 (the generic mod-11 variant would say 1).
        assert!(MyNumber::parse("000000000000").is_ok());
        assert_eq!(
            MyNumber::parse("000000000001"),
            Err(MyNumberError::CheckDigit)
        );
    }

    proptest! {
        #[test]
        fn exactly_one_check_digit_is_valid(first in "[0-9]{11}") {
            let valid: Vec<u8> = (0..10u8)
                .filter(|d| MyNumber::parse(&format!("{first}{d}")).is_ok())
                .collect();
            prop_assert_eq!(valid.len(), 1);
        }

        #[test]
        fn single_digit_errors_are_caught(first in "[0-9]{11}", pos in 0usize..11, delta in 1u8..10) {
            let mut digits = first.clone().into_bytes();
            let check = check_digit(&digits);
            digits[pos] = b'0' + (digits[pos] - b'0' + delta) % 10;
            let altered = format!("{}{}", String::from_utf8(digits).unwrap_or_default(), check);
            // Weights 2..7 are coprime to 11, so any single-digit change alters the sum mod 11;
            // it can go unnoticed only when both remainders map to check digit 0.
            if let Ok(n) = MyNumber::parse(&altered) { prop_assert_eq!(check, 0, "{:?}", n); }
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = MyNumber::parse(&s);
        }
    }
}
