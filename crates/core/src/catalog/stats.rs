//! Catalogue figures: how many procedures are online, overall and per department and category.
//! Minato's "2,427 online / 998 blocked by law / 3,425 in all" is exactly this table.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{OfflineReason, OnlineStatus, Procedure};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub total: usize,
    pub online_here: usize,
    pub online_external: usize,
    pub offline: usize,
    /// Offline because the law requires paper or presence (法令上の制約).
    pub offline_by_law: usize,
    /// (online here + external) / total, 0 when empty.
    pub online_rate: f64,
}

impl Counts {
    fn add(&mut self, p: &Procedure) {
        self.total += 1;
        match &p.online {
            OnlineStatus::Here => self.online_here += 1,
            OnlineStatus::External { .. } => self.online_external += 1,
            OnlineStatus::Offline { reason, .. } => {
                self.offline += 1;
                if *reason == OfflineReason::Law {
                    self.offline_by_law += 1;
                }
            }
        }
        self.online_rate = if self.total == 0 {
            0.0
        } else {
            (self.online_here + self.online_external) as f64 / self.total as f64
        };
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CatalogStats {
    pub overall: Counts,
    pub by_department: BTreeMap<String, Counts>,
    pub by_category: BTreeMap<String, Counts>,
}

impl CatalogStats {
    pub fn of(procedures: &[Procedure]) -> CatalogStats {
        let mut s = CatalogStats::default();
        for p in procedures {
            s.overall.add(p);
            s.by_department
                .entry(p.department.clone())
                .or_default()
                .add(p);
            if p.categories.is_empty() {
                s.by_category.entry("other".into()).or_default().add(p);
            }
            for c in &p.categories {
                s.by_category.entry(c.clone()).or_default().add(p);
            }
        }
        s
    }
}
