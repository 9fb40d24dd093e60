//! Madoguchi's information desk as a service: the guide engine (`madoguchi-guide`, pure) fed
//! from the database (`madoguchi-store`).
//!
//! - [`kb`]: the knowledge base in the database — `guide import FILE.csv` and
//!   `guide import-docs DIR` (Markdown and HTML pages), all or nothing; re-importing an id
//!   updates it.
//! - [`desk::Desk`]: one guide per instance, rebuilt when the catalogue or the knowledge base
//!   changes; questions logged redacted with an expiry; handoff tickets; staff answers that
//!   become FAQ entries.
//! - [`embed`]: dense vectors computed once per text and stored (plugin family of embedders).
//!
//! Used by the web channels (`madoguchi-web`) and the CLI (`madoguchi guide …`).

pub mod desk;
pub mod embed;
pub mod html;
pub mod kb;

pub use desk::{Desk, DeskConfig, DeskError, FaqFromAnswer, HandoffRequest};
pub use embed::Embedder;
