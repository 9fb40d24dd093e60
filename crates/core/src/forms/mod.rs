//! The form engine: versioned definitions (YAML or JSON), conditions, computed values and
//! server-side validation of answers with a message per field.

pub mod condition;
pub mod definition;
pub mod errors;
pub mod expr;
pub mod validate;

pub use condition::Condition;
pub use definition::{ChoiceOption, Field, FieldKind, Form, FormError, Page};
pub use errors::{ErrorCode, FieldError};
pub use validate::{Answers, compute, validate_all, validate_page};
