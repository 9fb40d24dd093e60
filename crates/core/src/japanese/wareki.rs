//! 和暦: Japanese era dates. Stored as ISO 8601 (GIF 441), converted only at input and output.
//!
//! A day on which the era changed (明治45年7月30日 = 大正元年7月30日) belongs to the new era on
//! output; both spellings are accepted on input. 元年 is year 1.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

use super::kana::nfkc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Era {
    pub name: &'static str,
    pub name_en: &'static str,
    pub letter: char,
    /// JPKI / 住基 era code.
    pub code: u8,
    start: (i32, u32, u32),
}

/// Era table, oldest first. A new era is one more row.
pub const ERAS: [Era; 5] = [
    Era {
        name: "明治",
        name_en: "Meiji",
        letter: 'M',
        code: 1,
        start: (1868, 1, 25),
    },
    Era {
        name: "大正",
        name_en: "Taisho",
        letter: 'T',
        code: 2,
        start: (1912, 7, 30),
    },
    Era {
        name: "昭和",
        name_en: "Showa",
        letter: 'S',
        code: 3,
        start: (1926, 12, 25),
    },
    Era {
        name: "平成",
        name_en: "Heisei",
        letter: 'H',
        code: 4,
        start: (1989, 1, 8),
    },
    Era {
        name: "令和",
        name_en: "Reiwa",
        letter: 'R',
        code: 5,
        start: (2019, 5, 1),
    },
];

impl Era {
    pub fn start(&self) -> NaiveDate {
        let (y, m, d) = self.start;
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of this era, if a later era exists.
    pub fn end(&self) -> Option<NaiveDate> {
        let idx = ERAS.iter().position(|e| e.code == self.code)?;
        let next = ERAS.get(idx + 1)?;
        // Same-day changes (大正, 昭和): the old era's last day is the new era's first day.
        if next.code == 2 || next.code == 3 {
            Some(next.start())
        } else {
            next.start().pred_opt()
        }
    }

    /// Accepts `令和`, `R`, `r`, `Reiwa`, `れいわ`.
    pub fn parse(s: &str) -> Option<&'static Era> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        ERAS.iter().find(|e| {
            e.name == s
                || lower == e.letter.to_ascii_lowercase().to_string()
                || lower == e.name_en.to_ascii_lowercase()
                || s == hiragana_name(e)
        })
    }

    pub fn by_code(code: u8) -> Option<&'static Era> {
        ERAS.iter().find(|e| e.code == code)
    }
}

fn hiragana_name(e: &Era) -> &'static str {
    match e.code {
        1 => "めいじ",
        2 => "たいしょう",
        3 => "しょうわ",
        4 => "へいせい",
        _ => "れいわ",
    }
}

/// A date written in an era.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wareki {
    pub era: &'static Era,
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Not a date in any accepted spelling.
    Format,
    /// Month or day out of range (2月30日).
    NoSuchDay,
    /// The date does not fall in the era (平成32年, 令和元年4月1日); carries the era's range.
    OutsideEra {
        era: &'static str,
        first: String,
        last: Option<String>,
    },
    /// Before 明治 (1868-01-25), which 和暦 input cannot express.
    BeforeMeiji,
}

impl Wareki {
    /// The era date of a Gregorian date; `None` before 明治.
    pub fn from_date(d: NaiveDate) -> Option<Wareki> {
        let era = ERAS.iter().rev().find(|e| d >= e.start())?;
        Some(Wareki {
            era,
            year: (d.year() - era.start().year() + 1) as u32,
            month: d.month(),
            day: d.day(),
        })
    }

    /// The Gregorian date of an era date, checking that it lies inside the era.
    pub fn to_date(
        era: &'static Era,
        year: u32,
        month: u32,
        day: u32,
    ) -> Result<NaiveDate, DateError> {
        if year == 0 || year > 200 {
            return Err(outside(era));
        }
        let gy = era.start().year() + year as i32 - 1;
        let d = NaiveDate::from_ymd_opt(gy, month, day).ok_or(DateError::NoSuchDay)?;
        let after_end = era.end().is_some_and(|end| d > end);
        if d < era.start() || after_end {
            return Err(outside(era));
        }
        Ok(d)
    }

    /// `令和7年4月1日`, with 元年 for year 1.
    pub fn to_string_ja(&self) -> String {
        format!(
            "{}{}年{}月{}日",
            self.era.name,
            year_ja(self.year),
            self.month,
            self.day
        )
    }
}

fn year_ja(y: u32) -> String {
    if y == 1 {
        "元".to_string()
    } else {
        y.to_string()
    }
}

fn outside(era: &'static Era) -> DateError {
    DateError::OutsideEra {
        era: era.name,
        first: format_ja(era.start()),
        last: era.end().map(|end| {
            // Name the last day in the era itself: 平成31年4月30日, not 令和.
            let y = end.year() - era.start().year() + 1;
            format!(
                "{}{}年{}月{}日",
                era.name,
                year_ja(y as u32),
                end.month(),
                end.day()
            )
        }),
    }
}

/// `令和7年4月1日` (西暦 for dates before 明治).
pub fn format_ja(d: NaiveDate) -> String {
    match Wareki::from_date(d) {
        Some(w) => w.to_string_ja(),
        None => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
    }
}

/// `1 April 2025 (Reiwa 7)`.
pub fn format_en(d: NaiveDate) -> String {
    let base = d.format("%-d %B %Y").to_string();
    match Wareki::from_date(d) {
        Some(w) => format!("{base} ({} {})", w.era.name_en, w.year),
        None => base,
    }
}

static ERA_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(明治|大正|昭和|平成|令和|meiji|taisho|showa|heisei|reiwa|[mtshr])\s*\.?\s*(\d{1,3}|元)\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
        .unwrap_or_else(|e| panic!("static regex: {e}"))
});
static WESTERN_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
        .unwrap_or_else(|e| panic!("static regex: {e}"))
});

/// Parses a date as residents write it: `昭和60年4月1日`, `S60.4.1`, `令和元年5月1日`,
/// `R1/5/1`, `1985-04-01`, `1985年4月1日`, `19850401`, full-width digits, 漢数字.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    let s = kanji_digits(&nfkc(input));
    let s = s.trim();
    if let Some(c) = ERA_DATE.captures(s) {
        let era = Era::parse(&c[1]).ok_or(DateError::Format)?;
        let year = if &c[2] == "元" {
            1
        } else {
            c[2].parse().map_err(|_| DateError::Format)?
        };
        let month = c[3].parse().map_err(|_| DateError::Format)?;
        let day = c[4].parse().map_err(|_| DateError::Format)?;
        return Wareki::to_date(era, year, month, day);
    }
    let (y, m, d) = if let Some(c) = WESTERN_DATE.captures(s) {
        (
            c[1].parse::<i32>(),
            c[2].parse::<u32>(),
            c[3].parse::<u32>(),
        )
    } else if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        (s[..4].parse(), s[4..6].parse(), s[6..].parse())
    } else {
        return Err(DateError::Format);
    };
    let (y, m, d) = (
        y.map_err(|_| DateError::Format)?,
        m.map_err(|_| DateError::Format)?,
        d.map_err(|_| DateError::Format)?,
    );
    NaiveDate::from_ymd_opt(y, m, d).ok_or(DateError::NoSuchDay)
}

/// 漢数字 (一〜九十, 〇) to ASCII digits, for dates such as 昭和六十年四月一日.
fn kanji_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let digit = |c: char| "〇一二三四五六七八九".chars().position(|k| k == c);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if digit(c).is_some() || c == '十' {
            // Read one number: [tens]十[ones] or a run of digits.
            let mut value = 0usize;
            let mut current = 0usize;
            let mut saw_ten = false;
            while i < chars.len() {
                if let Some(d) = digit(chars[i]) {
                    current = current * 10 + d;
                } else if chars[i] == '十' {
                    value += if current == 0 { 10 } else { current * 10 };
                    current = 0;
                    saw_ten = true;
                } else {
                    break;
                }
                i += 1;
            }
            let _ = saw_ten;
            out.push_str(&(value + current).to_string());
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// 年度 (fiscal year): April 1 to March 31; returns the Gregorian year it starts in.
pub fn fiscal_year(d: NaiveDate) -> i32 {
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn era_boundaries() {
        assert_eq!(format_ja(date(2019, 4, 30)), "平成31年4月30日");
        assert_eq!(format_ja(date(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(format_ja(date(1989, 1, 7)), "昭和64年1月7日");
        assert_eq!(format_ja(date(1989, 1, 8)), "平成元年1月8日");
        assert_eq!(format_ja(date(1926, 12, 25)), "昭和元年12月25日");
        assert_eq!(format_ja(date(1912, 7, 30)), "大正元年7月30日");
        assert_eq!(format_ja(date(1868, 1, 25)), "明治元年1月25日");
        assert_eq!(format_ja(date(1868, 1, 24)), "1868年1月24日");
    }

    #[test]
    fn parses_resident_spellings() {
        let d = date(1985, 4, 1);
        for s in [
            "昭和60年4月1日",
            "S60.4.1",
            "s60/4/1",
            "Ｓ６０．４．１",
            "昭和六十年四月一日",
            "1985-04-01",
            "1985/4/1",
            "1985年4月1日",
            "19850401",
            "showa 60.4.1",
        ] {
            assert_eq!(parse_date(s), Ok(d), "{s}");
        }
        assert_eq!(parse_date("令和元年5月1日"), Ok(date(2019, 5, 1)));
        assert_eq!(parse_date("R1.5.1"), Ok(date(2019, 5, 1)));
        assert_eq!(parse_date("令和7年12月31日"), Ok(date(2025, 12, 31)));
    }

    #[test]
    fn same_day_changes_accept_both_spellings() {
        assert_eq!(parse_date("明治45年7月30日"), Ok(date(1912, 7, 30)));
        assert_eq!(parse_date("大正元年7月30日"), Ok(date(1912, 7, 30)));
        assert_eq!(parse_date("大正15年12月25日"), Ok(date(1926, 12, 25)));
        assert_eq!(parse_date("昭和元年12月25日"), Ok(date(1926, 12, 25)));
    }

    #[test]
    fn rejects_dates_outside_their_era() {
        match parse_date("平成32年1月1日") {
            Err(DateError::OutsideEra { era, last, .. }) => {
                assert_eq!(era, "平成");
                assert_eq!(last.as_deref(), Some("平成31年4月30日"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_date("令和元年4月30日"),
            Err(DateError::OutsideEra { .. })
        ));
        assert!(matches!(
            parse_date("昭和64年1月8日"),
            Err(DateError::OutsideEra { .. })
        ));
        assert_eq!(parse_date("令和5年2月30日"), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("きのう"), Err(DateError::Format));
        assert_eq!(parse_date(""), Err(DateError::Format));
    }

    #[test]
    fn english_output() {
        assert_eq!(format_en(date(2025, 4, 1)), "1 April 2025 (Reiwa 7)");
    }

    #[test]
    fn fiscal_years() {
        assert_eq!(fiscal_year(date(2026, 3, 31)), 2025);
        assert_eq!(fiscal_year(date(2026, 4, 1)), 2026);
    }

    proptest! {
        #[test]
        fn round_trip_every_day_since_meiji(days in 0i64..(160 * 366)) {
            let d = date(1868, 1, 25) + chrono::Duration::days(days);
            let w = Wareki::from_date(d).expect("after Meiji");
            prop_assert_eq!(Wareki::to_date(w.era, w.year, w.month, w.day), Ok(d));
            prop_assert_eq!(parse_date(&w.to_string_ja()), Ok(d));
            prop_assert_eq!(parse_date(&d.format("%Y-%m-%d").to_string()), Ok(d));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = parse_date(&s);
        }
    }
}
