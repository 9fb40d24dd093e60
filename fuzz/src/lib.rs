//! The harnesses behind the fuzz targets. They live in plain modules so that the replay tests
//! in crates/core/tests and crates/guide/tests can include the same code with `#[path]`.

pub mod core_harness;
pub mod guide_harness;
