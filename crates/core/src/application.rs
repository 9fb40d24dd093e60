//! The application lifecycle: statuses, allowed transitions and receipt numbers.

use serde::{Deserialize, Serialize};

use crate::text::Lang;

/// Where an application stands. Residents see these words on the status page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 受付: submitted and stored; the receipt number is issued.
    Received,
    /// 審査中: a clerk is working on it.
    InReview,
    /// 補正依頼: the resident must correct or add something.
    NeedsCorrection,
    /// 決定（承認）.
    Approved,
    /// 決定（不承認・却下）.
    Rejected,
    /// 交付済: the certificate or notice has been delivered.
    Issued,
    /// 取下げ: withdrawn by the resident.
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Received,
        Status::InReview,
        Status::NeedsCorrection,
        Status::Approved,
        Status::Rejected,
        Status::Issued,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::InReview => "in_review",
            Status::NeedsCorrection => "needs_correction",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Issued => "issued",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Received, Lang::Ja) => "受付済み",
            (Status::InReview, Lang::Ja) => "審査中",
            (Status::NeedsCorrection, Lang::Ja) => "補正のお願い",
            (Status::Approved, Lang::Ja) => "承認されました",
            (Status::Rejected, Lang::Ja) => "承認されませんでした",
            (Status::Issued, Lang::Ja) => "交付済み",
            (Status::Withdrawn, Lang::Ja) => "取り下げ済み",
            (Status::Received, Lang::En) => "Received",
            (Status::InReview, Lang::En) => "Being reviewed",
            (Status::NeedsCorrection, Lang::En) => "Correction needed",
            (Status::Approved, Lang::En) => "Approved",
            (Status::Rejected, Lang::En) => "Not approved",
            (Status::Issued, Lang::En) => "Issued",
            (Status::Withdrawn, Lang::En) => "Withdrawn",
        }
    }

    /// What happens next, in words a resident understands.
    pub fn next_step(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Received, Lang::Ja) => {
                "担当課が内容を確認します。確認が始まるとこのページの状況が「審査中」に変わります。"
            }
            (Status::InReview, Lang::Ja) => {
                "担当課が審査しています。結果が出るまでお待ちください。"
            }
            (Status::NeedsCorrection, Lang::Ja) => {
                "担当課からの連絡内容を確認し、修正してください。"
            }
            (Status::Approved, Lang::Ja) => "交付の準備をしています。",
            (Status::Rejected, Lang::Ja) => "理由は担当課からの通知をご確認ください。",
            (Status::Issued, Lang::Ja) => "手続きは完了しました。",
            (Status::Withdrawn, Lang::Ja) => "この申請は取り下げられました。",
            (Status::Received, Lang::En) => {
                "The department will check your application. This page will show “Being reviewed” when they start."
            }
            (Status::InReview, Lang::En) => "The department is reviewing your application.",
            (Status::NeedsCorrection, Lang::En) => {
                "Read the department's message and correct your application."
            }
            (Status::Approved, Lang::En) => "Your document is being prepared.",
            (Status::Rejected, Lang::En) => "The department's notice explains why.",
            (Status::Issued, Lang::En) => "This application is complete.",
            (Status::Withdrawn, Lang::En) => "This application was withdrawn.",
        }
    }

    /// The transitions the back office may make.
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Received, InReview | Withdrawn | Rejected)
                | (InReview, NeedsCorrection | Approved | Rejected | Withdrawn)
                | (NeedsCorrection, InReview | Withdrawn | Rejected)
                | (Approved, Issued)
        )
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Rejected | Status::Issued | Status::Withdrawn)
    }
}

/// 受付番号: `2026-000123`, the year and a sequence that restarts each year.
pub fn receipt_number(year: i32, sequence: i64) -> String {
    format!("{year}-{sequence:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(!s.label(Lang::Ja).is_empty() && !s.label(Lang::En).is_empty());
        }
    }

    #[test]
    fn final_states_do_not_move() {
        for from in Status::ALL.into_iter().filter(|s| s.is_final()) {
            for to in Status::ALL {
                assert!(!from.can_become(to), "{from:?} -> {to:?}");
            }
        }
        assert!(Status::Received.can_become(Status::InReview));
        assert!(!Status::Received.can_become(Status::Issued));
    }

    #[test]
    fn receipt_numbers() {
        assert_eq!(receipt_number(2026, 42), "2026-000042");
        assert_eq!(receipt_number(2026, 1234567), "2026-1234567");
    }
}
