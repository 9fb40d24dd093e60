//! Validation errors with a message per field that says what to do, in Japanese or English.

use serde::Serialize;

use crate::text::{Lang, Text};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// The field's key; inside a group `members.1.relation` (items counted from 0).
    pub key: String,
    /// The label the resident sees, with the item number for group fields.
    #[serde(skip)]
    pub label: Text,
    pub code: ErrorCode,
}

impl FieldError {
    pub fn message(&self, lang: Lang) -> String {
        self.code.message(lang, self.label.get(lang))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ErrorCode {
    Required,
    RequiredChoice,
    TooLong {
        max: usize,
    },
    TooShort {
        min: usize,
    },
    PatternMismatch,
    NotKatakana,
    NotAlnum,
    NotANumber,
    TooSmall {
        min: i64,
    },
    TooLarge {
        max: i64,
    },
    NotAnOption,
    TooFewSelected {
        min: usize,
    },
    TooManySelected {
        max: usize,
    },
    DateFormat,
    NoSuchDay,
    DateOutsideEra {
        era: String,
        first: String,
        last: Option<String>,
    },
    DateTooEarly {
        min: String,
    },
    DateTooLate {
        max: String,
    },
    DateInFuture,
    DateInPast,
    FamilyNameRequired,
    GivenNameRequired,
    KanaRequired,
    KanaInvalid,
    PostalCodeInvalid,
    PostalCodeUnknown,
    AddressIncomplete,
    PhoneInvalid,
    EmailInvalid,
    MyNumberLength,
    MyNumberCheckDigit,
    FileMissing,
    FileTooLarge {
        max_kb: u32,
    },
    FileType {
        accepted: String,
    },
    MustAgree,
    TooFewItems {
        min: usize,
    },
    TooManyItems {
        max: usize,
    },
    WrongType,
    UnknownField,
}

impl ErrorCode {
    pub fn message(&self, lang: Lang, label: &str) -> String {
        use ErrorCode::*;
        match lang {
            Lang::Ja => match self {
                Required => format!("{label}を入力してください"),
                RequiredChoice => format!("{label}を選択してください"),
                TooLong { max } => format!("{label}は{max}文字以内で入力してください"),
                TooShort { min } => format!("{label}は{min}文字以上で入力してください"),
                PatternMismatch => {
                    format!("{label}の形式が正しくありません。例を参考に入力してください")
                }
                NotKatakana => format!("{label}はカタカナで入力してください"),
                NotAlnum => format!("{label}は英数字で入力してください"),
                NotANumber => format!("{label}は数字で入力してください"),
                TooSmall { min } => format!("{label}は{min}以上の数を入力してください"),
                TooLarge { max } => format!("{label}は{max}以下の数を入力してください"),
                NotAnOption => format!("{label}は表示されている選択肢から選んでください"),
                TooFewSelected { min } => format!("{label}を{min}つ以上選んでください"),
                TooManySelected { max } => format!("{label}は{max}つまで選べます"),
                DateFormat => format!(
                    "{label}は「昭和60年4月1日」または「1985-04-01」のように入力してください"
                ),
                NoSuchDay => {
                    format!("{label}に存在しない日付が入力されています。月と日を確認してください")
                }
                DateOutsideEra { era, first, last } => match last {
                    Some(last) => format!(
                        "{label}：{era}は{first}から{last}までです。元号と年を確認してください"
                    ),
                    None => format!("{label}：{era}は{first}からです。元号と年を確認してください"),
                },
                DateTooEarly { min } => format!("{label}は{min}以降の日付を入力してください"),
                DateTooLate { max } => format!("{label}は{max}以前の日付を入力してください"),
                DateInFuture => format!("{label}に未来の日付は入力できません"),
                DateInPast => format!("{label}に過去の日付は入力できません"),
                FamilyNameRequired => format!("{label}の姓を入力してください"),
                GivenNameRequired => format!("{label}の名を入力してください"),
                KanaRequired => format!("{label}のフリガナを入力してください"),
                KanaInvalid => format!("{label}のフリガナはカタカナで入力してください"),
                PostalCodeInvalid => {
                    format!("{label}は「150-8601」のように7桁の数字で入力してください")
                }
                PostalCodeUnknown => format!(
                    "{label}に該当する住所が見つかりません。郵便番号を確認するか、住所を直接入力してください"
                ),
                AddressIncomplete => {
                    format!("{label}の都道府県・市区町村・町名と番地を入力してください")
                }
                PhoneInvalid => {
                    format!("{label}は「03-1234-5678」のように市外局番から入力してください")
                }
                EmailInvalid => {
                    format!("{label}は「name@example.jp」のような形式で入力してください")
                }
                MyNumberLength => format!("{label}は12桁の数字で入力してください"),
                MyNumberCheckDigit => format!(
                    "{label}が正しくありません。マイナンバーカードの12桁の番号を確認してください"
                ),
                FileMissing => format!("{label}のファイルを選んでください"),
                FileTooLarge { max_kb } => format!(
                    "{label}のファイルが大きすぎます。{}以下のファイルを選んでください",
                    size_ja(*max_kb)
                ),
                FileType { accepted } => format!("{label}は{accepted}のファイルを選んでください"),
                MustAgree => format!("{label}に同意する場合はチェックを入れてください"),
                TooFewItems { min } => format!("{label}を{min}件以上入力してください"),
                TooManyItems { max } => format!("{label}は{max}件まで入力できます"),
                WrongType => format!("{label}の値の形式が正しくありません"),
                UnknownField => format!("「{label}」はこの申請書にない項目です"),
            },
            Lang::En => match self {
                Required => format!("Enter {label}"),
                RequiredChoice => format!("Select {label}"),
                TooLong { max } => format!("{label} must be {max} characters or fewer"),
                TooShort { min } => format!("{label} must be {min} characters or more"),
                PatternMismatch => format!("Enter {label} in the format shown in the example"),
                NotKatakana => format!("Enter {label} in katakana"),
                NotAlnum => format!("Enter {label} using letters and numbers only"),
                NotANumber => format!("{label} must be a number"),
                TooSmall { min } => format!("{label} must be {min} or more"),
                TooLarge { max } => format!("{label} must be {max} or less"),
                NotAnOption => format!("Select {label} from the options shown"),
                TooFewSelected { min } => format!("Select at least {min} for {label}"),
                TooManySelected { max } => format!("Select up to {max} for {label}"),
                DateFormat => format!(
                    "Enter {label} as a real date, for example 1985-04-01 or 昭和60年4月1日"
                ),
                NoSuchDay => format!("{label} must be a real date: check the month and day"),
                DateOutsideEra { era, first, last } => match last {
                    Some(last) => format!(
                        "{label}: the {era} era runs from {first} to {last}. Check the era and year"
                    ),
                    None => {
                        format!("{label}: the {era} era starts on {first}. Check the era and year")
                    }
                },
                DateTooEarly { min } => format!("{label} must be on or after {min}"),
                DateTooLate { max } => format!("{label} must be on or before {max}"),
                DateInFuture => format!("{label} cannot be in the future"),
                DateInPast => format!("{label} cannot be in the past"),
                FamilyNameRequired => format!("Enter the family name for {label}"),
                GivenNameRequired => format!("Enter the given name for {label}"),
                KanaRequired => format!("Enter the furigana (katakana reading) for {label}"),
                KanaInvalid => format!("Enter the furigana for {label} in katakana"),
                PostalCodeInvalid => format!("Enter {label} as 7 digits, like 150-8601"),
                PostalCodeUnknown => format!(
                    "No address was found for {label}. Check the postal code or enter the address yourself"
                ),
                AddressIncomplete => {
                    format!("Enter the prefecture, city, town and block number for {label}")
                }
                PhoneInvalid => format!("Enter {label} including the area code, like 03-1234-5678"),
                EmailInvalid => {
                    format!("Enter {label} in the correct format, like name@example.jp")
                }
                MyNumberLength => format!("{label} must be 12 digits"),
                MyNumberCheckDigit => {
                    format!("{label} is not a valid My Number. Check the 12 digits on your card")
                }
                FileMissing => format!("Select a file for {label}"),
                FileTooLarge { max_kb } => format!(
                    "The file for {label} must be smaller than {}",
                    size_en(*max_kb)
                ),
                FileType { accepted } => format!("The file for {label} must be {accepted}"),
                MustAgree => format!("Tick the box to confirm {label}"),
                TooFewItems { min } => format!("Add at least {min} entries to {label}"),
                TooManyItems { max } => format!("{label} can have at most {max} entries"),
                WrongType => format!("{label} is in the wrong format"),
                UnknownField => format!("\"{label}\" is not a question on this form"),
            },
        }
    }
}

fn size_ja(kb: u32) -> String {
    if kb >= 1024 {
        format!("{}MB", kb / 1024)
    } else {
        format!("{kb}KB")
    }
}

fn size_en(kb: u32) -> String {
    if kb >= 1024 {
        format!("{} MB", kb / 1024)
    } else {
        format!("{kb} KB")
    }
}
