//! Importer for the Digital Agency's 行政手続等の悉皆調査 CSV (mapping in docs/catalog-format.md).

use std::collections::HashMap;

use super::model::{IdentityLevel, OfflineReason, OnlineStatus, Procedure};
use crate::forms::definition::is_valid_id;
use crate::text::Text;

pub const UNASSIGNED_DEPARTMENT: &str = "unassigned";

fn get<'a>(row: &HashMap<&str, &'a str>, col: &str) -> &'a str {
    row.get(col).copied().unwrap_or("").trim()
}

/// Values in the survey look like `2 未実施`: a code, a space, a label.
fn code_of(value: &str) -> &str {
    value.split_whitespace().next().unwrap_or("")
}

pub fn procedure_from_survey_row(row: &HashMap<&str, &str>) -> Result<Procedure, (String, String)> {
    let id = get(row, "手続ID");
    // Our id, `survey-<id>`, must be a valid catalogue id too (at most 80 characters).
    if id.is_empty()
        || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || !is_valid_id(&format!("survey-{}", id.to_ascii_lowercase()))
    {
        return Err(("手続ID".into(), format!("\"{id}\" is not a procedure id")));
    }
    let name = get(row, "手続名");
    if name.is_empty() {
        return Err(("手続名".into(), "the procedure has no name".into()));
    }
    let status = get(row, "オンライン化の実施状況");
    let system = get(row, "情報システム(申請)");
    let online = match code_of(status) {
        "1" | "5" => {
            let service = if system.contains("マイナポータル") {
                "ぴったりサービス".to_string()
            } else {
                // The first system named; `;電子メール` names one, `;` none.
                system
                    .split(';')
                    .map(str::trim)
                    .find(|s| !s.is_empty())
                    .unwrap_or("オンライン申請")
                    .to_string()
            };
            let url = if system.contains("マイナポータル") {
                "https://app.oss.myna.go.jp/"
            } else {
                "https://www.digital.go.jp/"
            };
            OnlineStatus::External {
                service,
                url: url.into(),
            }
        }
        "2" | "3" | "4" => {
            let concern = get(row, "オンライン化の実施予定及び検討時の懸念点");
            let reason = if code_of(status) == "3" {
                OfflineReason::Law
            } else {
                match code_of(concern) {
                    "0" => OfflineReason::Planned,
                    "1" | "2" => OfflineReason::Law,
                    "4" => OfflineReason::OriginalDocument,
                    "5" => OfflineReason::InPerson,
                    _ => OfflineReason::Other,
                }
            };
            let note = concern
                .split_once(' ')
                .map(|(_, label)| label.trim())
                .filter(|label| !label.is_empty())
                .map(str::to_string);
            OnlineStatus::Offline {
                reason,
                note,
                alternative: None,
            }
        }
        _ => {
            return Err((
                "オンライン化の実施状況".into(),
                format!("unknown status \"{status}\""),
            ));
        }
    };
    let identity_level = match code_of(get(row, "申請等における本人確認手法")) {
        "1" | "2" | "3" => IdentityLevel::MynumberCard,
        "4" | "5" => IdentityLevel::SignedIn,
        _ => IdentityLevel::None,
    };
    let fee_flag = get(row, "手数料等の納付有無");
    let (fee, fee_note) = match code_of(fee_flag) {
        "1" => (Some(0), None),
        "2" => (None, Some("手数料等有り".to_string())),
        _ => (None, None),
    };
    let period = [
        get(row, "処理期間(非オンライン)"),
        get(row, "処理期間(オンライン)"),
    ]
    .into_iter()
    .find(|p| !p.is_empty() && *p != "不明" && *p != "ー" && *p != "-" && p.chars().count() <= 20)
    .map(str::to_string);
    let processing_days = period.as_deref().and_then(period_days);
    let attachments = get(row, "申請時に添付させる書類")
        .split(';')
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "添付書類なし")
        .map(str::to_string)
        .collect();
    let life_events = get(row, "手続が行われるイベント(個人)")
        .split(';')
        .filter_map(|e| life_event(e.trim()))
        .map(str::to_string)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let law = get(row, "法令名");
    let clause = get(row, "根拠条項号");
    let ministry = get(row, "所管府省庁");
    Ok(Procedure {
        id: format!("survey-{}", id.to_ascii_lowercase()),
        name: Text::ja(name),
        reading: None,
        aliases: Vec::new(),
        department: UNASSIGNED_DEPARTMENT.into(),
        categories: Vec::new(),
        life_events,
        summary: None,
        eligibility: None,
        legal_basis: (!law.is_empty()).then(|| format!("{law}{clause}")),
        online,
        identity_level,
        fee,
        fee_note,
        attachments,
        delivery_methods: Vec::new(),
        processing_period: period,
        processing_days,
        contact: (!ministry.is_empty()).then(|| format!("所管: {ministry}")),
        url: None,
        updated: None,
    })
}

fn life_event(e: &str) -> Option<&'static str> {
    Some(match e {
        "引越し" => "moving",
        "出生・こども" => "birth",
        "結婚・離婚" => "marriage",
        "死亡・相続" => "death",
        "医療・健康" => "health",
        "税金" => "tax",
        "介護" => "nursing",
        "住宅の購入・保有" => "housing",
        "自動車の購入・保有" => "car",
        "就職・転職" => "employment",
        "妊娠" => "pregnancy",
        "年金の受給" => "pension",
        _ => return None,
    })
}

/// `30日` → 30, `2週` → 14, `1月` → 30 (full-width digits accepted).
fn period_days(p: &str) -> Option<u32> {
    let p = crate::japanese::nfkc(p);
    let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
    let n: u32 = digits.parse().ok()?;
    match &p[digits.len()..] {
        "日" => Some(n),
        "週" | "週間" => n.checked_mul(7),
        "月" | "か月" | "ヶ月" => n.checked_mul(30),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::csv_io::{FileKind, parse};

    const HEADER: &str = "手続ID,所管府省庁,手続名,法令名,法令番号,根拠条項号,手続類型,手続主体,手続の受け手,経由機関,独立行政法人等の名称,事務区分,府省共通手続,実施府省庁,オンライン化の実施状況,オンライン化の実施予定及び検討時の懸念点,オンライン化実施時期,申請等における本人確認手法,手数料等の納付有無,手数料等の納付方法,手数料等のオンライン納付時の優遇措置,処理期間(オンライン),処理期間(非オンライン),情報システム(申請),情報システム(事務処理),総手続件数,オンライン手続件数,非オンライン手続件数,申請書等に記載させる情報,申請時に添付させる書類,添付書類等提出の撤廃/省略状況,添付書類等の提出方法,添付書類等への電子署名,添付形式等が定められた規定,手続が行われるイベント(個人),手続が行われるイベント(法人),申請に関連する士業,申請を提出する機関,オンライン化率";

    fn row(id: &str, status: &str, concern: &str, identity: &str, system: &str) -> String {
        let mut cells = vec![""; 39];
        cells[0] = id;
        cells[1] = "総務省";
        cells[2] = "テスト手続";
        cells[3] = "住民基本台帳法";
        cells[5] = "第12条";
        cells[14] = status;
        cells[15] = concern;
        cells[17] = identity;
        cells[18] = "2 手数料等有り";
        cells[22] = "2週";
        cells[23] = system;
        cells[29] = "住民票; 添付書類なし";
        cells[34] = "引越し; 死亡・相続";
        cells.join(",")
    }

    #[test]
    fn maps_survey_rows() {
        let csv = format!(
            "{HEADER}\n{}\n{}\n{}\n",
            row(
                "1818",
                "1 実施済",
                "",
                "6 本人確認不要",
                "サービス検索・電子申請機能等システム(マイナポータル)"
            ),
            row(
                "1819",
                "2 未実施",
                "5 性質上、電子化すべきでない",
                "3 署名",
                ""
            ),
            row("1820", "9 不明", "", "", "")
        );
        let (kind, p) = parse(csv.as_bytes()).expect("parse");
        assert_eq!(kind, FileKind::Survey);
        assert_eq!(p.procedures.len(), 2);
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 4);
        let a = &p.procedures[0].1;
        assert_eq!(a.id, "survey-1818");
        assert!(
            matches!(&a.online, OnlineStatus::External { service, .. } if service == "ぴったりサービス")
        );
        assert_eq!(a.legal_basis.as_deref(), Some("住民基本台帳法第12条"));
        assert_eq!(a.processing_days, Some(14));
        assert_eq!(a.attachments, vec!["住民票"]);
        assert_eq!(a.life_events, vec!["death", "moving"]);
        let b = &p.procedures[1].1;
        assert!(matches!(
            b.online,
            OnlineStatus::Offline {
                reason: OfflineReason::InPerson,
                ..
            }
        ));
        assert_eq!(b.identity_level, IdentityLevel::MynumberCard);
    }

    #[test]
    fn odd_rows_still_make_catalogue_procedures() {
        // Found by fuzzing (fuzz/corpus/survey_csv/regression-*): each of these used to give a
        // procedure that the catalogue export could not import again, or a panic.
        let long_id = "1".repeat(80);
        let csv = format!(
            "{HEADER}\n{}\n{}\n{}\n",
            row(&long_id, "2 未実施", "", "", ""),
            row("1821", "1 実施済", "", "", ";電子メール"),
            row("1822", "2 未実施", "0 \t予定", "", ""),
        );
        let (_, p) = parse(csv.as_bytes()).expect("parse");
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].column.as_deref(), Some("手続ID"));
        assert!(
            matches!(&p.procedures[0].1.online, OnlineStatus::External { service, .. } if service == "電子メール")
        );
        assert!(matches!(
            &p.procedures[1].1.online,
            OnlineStatus::Offline { note: Some(n), .. } if n == "予定"
        ));
        assert_eq!(period_days("999999999週"), None);
        assert_eq!(period_days("143165576か月"), Some(4_294_967_280));
        assert_eq!(period_days("143165577か月"), None);
    }
}
