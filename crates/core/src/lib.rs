//! Madoguchi's domain core: the procedure catalogue, the form engine, the application
//! lifecycle and the Japanese rules they rely on.
//!
//! Architecture invariant: this crate does no I/O. It knows nothing of HTTP, SQL or files;
//! importers take bytes and return values, validators take answers and return errors.

pub mod application;
pub mod catalog;
pub mod forms;
pub mod japanese;
pub mod text;

pub use text::{Lang, Text};
