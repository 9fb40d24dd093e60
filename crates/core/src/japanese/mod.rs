//! Japanese rules: width and kana normalisation, 和暦, My Number, postal codes, phone numbers.

pub mod contact;
pub mod kana;
pub mod my_number;
pub mod postal;
pub mod wareki;

pub use kana::{nfkc, normalize_furigana, search_key, to_hiragana, to_katakana};
pub use my_number::MyNumber;
pub use postal::PostalCode;
pub use wareki::{Era, Wareki};
