//! The procedure catalogue: departments and procedures, their CSV formats, search and figures.

pub mod codes;
pub mod csv_io;
pub mod model;
pub mod search;
pub mod stats;
pub mod survey;

pub use model::{Department, IdentityLevel, OfflineReason, OnlineStatus, Procedure};
pub use search::{CatalogIndex, SearchHit};
pub use stats::CatalogStats;
