//! Departments and procedures.

use serde::{Deserialize, Serialize};

use crate::text::{Lang, Text};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Department {
    pub id: String,
    pub name: Text,
    pub location: Option<Text>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub hours: Option<Text>,
}

/// Where a procedure can be done online.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OnlineStatus {
    /// Online on this portal.
    Here,
    /// Online at another service; the portal links there.
    External { service: String, url: String },
    /// Not online: why, and what to do instead.
    Offline {
        reason: OfflineReason,
        note: Option<String>,
        alternative: Option<String>,
    },
}

impl OnlineStatus {
    pub fn code(&self) -> &'static str {
        match self {
            OnlineStatus::Here => "here",
            OnlineStatus::External { .. } => "external",
            OnlineStatus::Offline { .. } => "offline",
        }
    }

    pub fn is_online(&self) -> bool {
        !matches!(self, OnlineStatus::Offline { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineReason {
    Law,
    OriginalDocument,
    InPerson,
    Physical,
    Planned,
    Other,
}

impl OfflineReason {
    pub const ALL: [OfflineReason; 6] = [
        Self::Law,
        Self::OriginalDocument,
        Self::InPerson,
        Self::Physical,
        Self::Planned,
        Self::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Law => "law",
            Self::OriginalDocument => "original_document",
            Self::InPerson => "in_person",
            Self::Physical => "physical",
            Self::Planned => "planned",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Self::Law => lang.pick(
                "法令上の制約により、オンラインでは受け付けられません",
                "The law does not allow this procedure online",
            ),
            Self::OriginalDocument => lang.pick(
                "原本の提出が必要なため、オンラインでは受け付けられません",
                "An original paper document must be submitted",
            ),
            Self::InPerson => lang.pick(
                "ご本人の来庁・対面での確認が必要です",
                "You must come in person to be identified",
            ),
            Self::Physical => lang.pick(
                "現物の受け渡しが必要です",
                "Something must be handed over in person",
            ),
            Self::Planned => lang.pick(
                "オンライン化を準備中です",
                "Online application is being prepared",
            ),
            Self::Other => lang.pick(
                "現在オンラインでは受け付けていません",
                "Not available online at the moment",
            ),
        }
    }
}

/// The identity check a procedure requires (本人確認).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum IdentityLevel {
    #[default]
    None,
    SignedIn,
    MynumberCard,
}

impl IdentityLevel {
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::SignedIn => "signed_in",
            Self::MynumberCard => "mynumber_card",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::SignedIn, Self::MynumberCard]
            .into_iter()
            .find(|l| l.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Self::None => lang.pick("本人確認は不要です", "No identity check needed"),
            Self::SignedIn => lang.pick("ログインが必要です", "You need to sign in"),
            Self::MynumberCard => lang.pick(
                "マイナンバーカードによる電子署名が必要です",
                "You need to sign with your My Number card",
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    Download,
    Post,
    Counter,
    ConvenienceStore,
}

impl DeliveryMethod {
    pub const ALL: [DeliveryMethod; 4] = [
        Self::Download,
        Self::Post,
        Self::Counter,
        Self::ConvenienceStore,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Download => "download",
            Self::Post => "post",
            Self::Counter => "counter",
            Self::ConvenienceStore => "convenience_store",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Self::Download => lang.pick("電子交付（ダウンロード）", "Download"),
            Self::Post => lang.pick("郵送", "By post"),
            Self::Counter => lang.pick("窓口で受け取り", "Collect at the counter"),
            Self::ConvenienceStore => lang.pick("コンビニ交付", "Convenience store"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    pub id: String,
    pub name: Text,
    pub reading: Option<String>,
    pub aliases: Vec<String>,
    pub department: String,
    pub categories: Vec<String>,
    pub life_events: Vec<String>,
    pub summary: Option<Text>,
    pub eligibility: Option<Text>,
    pub legal_basis: Option<String>,
    pub online: OnlineStatus,
    pub identity_level: IdentityLevel,
    pub fee: Option<i64>,
    pub fee_note: Option<String>,
    pub attachments: Vec<String>,
    pub delivery_methods: Vec<DeliveryMethod>,
    pub processing_period: Option<String>,
    pub processing_days: Option<u32>,
    pub contact: Option<String>,
    pub url: Option<String>,
    pub updated: Option<chrono::NaiveDate>,
}
