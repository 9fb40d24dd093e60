//! Morphological tokens (optional signal, feature `lindera`): words from a MeCab IPADIC
//! dictionary, as a second sparse index next to the character bigrams.
//!
//! The dictionary is built **at run time** from Debian's `mecab-ipadic` sources
//! (`apt-get install -y mecab-ipadic`: EUC-JP CSV and `.def` files in
//! `/usr/share/mecab/dic/ipadic`) with lindera's `DictionaryBuilder`, once per process and
//! cached on disk; nothing is downloaded. A directory that already holds a lindera dictionary
//! (with its `metadata.json`) is loaded as is. The path comes from
//! [`MorphConfig::dictionary`].
//!
//! Without the feature only [`MorphConfig`] exists, and asking for the signal is a build error
//! of the guide.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where the morphological dictionary is, and how much its signal counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MorphConfig {
    /// A MeCab IPADIC source directory (Debian: `/usr/share/mecab/dic/ipadic`) or a
    /// directory holding a dictionary built by lindera.
    pub dictionary: PathBuf,
    /// Encoding of the source CSV files (`EUC-JP` for Debian's package).
    pub encoding: String,
    /// Where the dictionary built from the sources is kept (default: the system temp dir).
    pub cache_dir: Option<PathBuf>,
    /// Weight of the morphological signal in fusion.
    pub weight: f32,
}

impl Default for MorphConfig {
    fn default() -> Self {
        MorphConfig {
            dictionary: PathBuf::from("/usr/share/mecab/dic/ipadic"),
            encoding: "EUC-JP".to_string(),
            cache_dir: None,
            weight: 1.0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MorphError {
    #[error("the morphological signal needs the `lindera` feature of madoguchi-guide")]
    NotCompiled,
    #[error("dictionary {path}: {message}")]
    Dictionary { path: String, message: String },
}

#[cfg(feature = "lindera")]
pub use imp::Morph;

#[cfg(feature = "lindera")]
mod imp {
    use std::borrow::Cow;
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, Mutex, OnceLock};

    use lindera::dictionary::{DictionaryBuilder, Metadata, load_fs_dictionary};
    use lindera::mode::Mode;
    use lindera::segmenter::Segmenter;

    use super::{MorphConfig, MorphError};
    use crate::normalize::{Synonyms, fold};
    use crate::tokenize::{Token, is_english_stopword};

    /// A loaded morphological analyser. Loading is cached per dictionary path for the
    /// lifetime of the process, so rebuilding the guide does not rebuild the dictionary.
    pub struct Morph {
        segmenter: Segmenter,
    }

    fn err(path: &Path, e: impl std::fmt::Display) -> MorphError {
        MorphError::Dictionary {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// The built dictionary's directory for a source directory.
    fn cache_path(config: &MorphConfig) -> PathBuf {
        let base = config.cache_dir.clone().unwrap_or_else(std::env::temp_dir);
        let key: String = config
            .dictionary
            .to_string_lossy()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        base.join(format!(
            "madoguchi-lindera-{}-{key}",
            lindera::get_version()
        ))
    }

    impl Morph {
        /// Loads (building it first if needed) the dictionary named by the configuration.
        pub fn load(config: &MorphConfig) -> Result<Arc<Morph>, MorphError> {
            static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Morph>>>> = OnceLock::new();
            let cache = LOADED.get_or_init(|| Mutex::new(HashMap::new()));
            let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(m) = cache.get(&config.dictionary) {
                return Ok(m.clone());
            }
            let m = Arc::new(Morph::load_uncached(config)?);
            cache.insert(config.dictionary.clone(), m.clone());
            Ok(m)
        }

        fn load_uncached(config: &MorphConfig) -> Result<Morph, MorphError> {
            let src = &config.dictionary;
            let dir = if src.join("metadata.json").is_file() {
                src.clone()
            } else if src.join("matrix.def").is_file() {
                let out = cache_path(config);
                if !out.join("metadata.json").is_file() {
                    // Build next to the final place, then rename: a concurrent or interrupted
                    // build never leaves a half-written dictionary behind.
                    let tmp = out.with_extension(format!("tmp{}", std::process::id()));
                    let metadata = Metadata {
                        name: "ipadic".to_string(),
                        encoding: config.encoding.clone(),
                        ..Metadata::default()
                    };
                    DictionaryBuilder::new(metadata)
                        .build_dictionary(src, &tmp)
                        .map_err(|e| err(src, e))?;
                    if std::fs::rename(&tmp, &out).is_err() {
                        // Another process won the race; use its dictionary.
                        let _ = std::fs::remove_dir_all(&tmp);
                    }
                }
                out
            } else {
                return Err(err(
                    src,
                    "neither a MeCab source directory (matrix.def) nor a lindera dictionary (metadata.json)",
                ));
            };
            let dictionary = load_fs_dictionary(&dir).map_err(|e| err(&dir, e))?;
            Ok(Morph {
                segmenter: Segmenter::new(Mode::Normal, dictionary, None),
            })
        }

        /// Words of a text, folded like the bigrams (NFKC, lower case, hiragana, variants),
        /// with question weights: content words 1.0, function-like words less, particles,
        /// auxiliaries and symbols dropped. The synonym table's official words are appended
        /// and analysed too.
        pub fn tokens(&self, text: &str, synonyms: &Synonyms) -> Vec<Token> {
            let mut out = self.words(text);
            let folded = fold(text);
            let expanded = synonyms.expand(&folded);
            if let Some(extra) = expanded.strip_prefix(folded.as_str())
                && !extra.trim().is_empty()
            {
                out.extend(self.words(extra));
            }
            out
        }

        fn words(&self, text: &str) -> Vec<Token> {
            let text: String = unicode_normalization::UnicodeNormalization::nfkc(text).collect();
            let Ok(tokens) = self.segmenter.segment(Cow::Borrowed(text.as_str())) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for mut t in tokens {
                let surface = t.surface.to_string();
                let pos = t.get_detail(0).unwrap_or("*").to_string();
                let sub = t.get_detail(1).unwrap_or("*").to_string();
                let base = t.get_detail(6).unwrap_or("*").to_string();
                let weight = match pos.as_str() {
                    "助詞" | "助動詞" | "記号" | "フィラー" | "BOS/EOS" => continue,
                    "名詞" => match sub.as_str() {
                        "非自立" | "代名詞" | "接尾" | "数" => 0.5,
                        _ => 1.0,
                    },
                    "動詞" | "形容詞" => {
                        if sub == "非自立" || sub == "接尾" {
                            0.3
                        } else {
                            0.6
                        }
                    }
                    "接頭詞" | "連体詞" | "副詞" | "感動詞" | "接続詞" => 0.3,
                    _ => 0.8,
                };
                // Conjugated words are indexed by their dictionary form.
                let word = if base != "*" && matches!(pos.as_str(), "動詞" | "形容詞") {
                    base
                } else {
                    surface
                };
                let f = fold(&word);
                for piece in f.split(' ').filter(|p| !p.is_empty()) {
                    if piece.chars().all(|c| c.is_ascii_alphanumeric())
                        && is_english_stopword(piece)
                    {
                        continue;
                    }
                    // Single hiragana are noise (a particle the analyser did not tag).
                    let mut chars = piece.chars();
                    if let (Some(c), None) = (chars.next(), chars.next())
                        && matches!(c, 'ぁ'..='ゖ')
                    {
                        continue;
                    }
                    out.push(Token {
                        text: format!("m:{piece}"),
                        weight,
                    });
                }
            }
            out
        }
    }
}

/// The morphological index of a guide: the analyser and a BM25 index over its words.
pub(crate) struct MorphSignal {
    #[cfg(feature = "lindera")]
    morph: std::sync::Arc<Morph>,
    index: crate::index::SparseIndex,
    pub(crate) weight: f32,
}

impl MorphSignal {
    /// Indexes (title, body) texts as written (not normalised: the analyser needs katakana).
    #[cfg(feature = "lindera")]
    pub(crate) fn build(
        config: &MorphConfig,
        docs: &[(String, String)],
        synonyms: &crate::normalize::Synonyms,
    ) -> Result<MorphSignal, crate::guide::BuildError> {
        let morph = Morph::load(config)?;
        let texts = |t: &str| -> Vec<String> {
            morph
                .tokens(t, synonyms)
                .into_iter()
                .map(|t| t.text)
                .collect()
        };
        let index = crate::index::SparseIndex::build(
            docs.iter()
                .map(|(t, b)| crate::index::IndexDoc {
                    title: texts(t),
                    body: texts(b),
                })
                .collect(),
        )?;
        Ok(MorphSignal {
            morph,
            index,
            weight: config.weight,
        })
    }

    #[cfg(not(feature = "lindera"))]
    pub(crate) fn build(
        _config: &MorphConfig,
        _docs: &[(String, String)],
        _synonyms: &crate::normalize::Synonyms,
    ) -> Result<MorphSignal, crate::guide::BuildError> {
        Err(MorphError::NotCompiled.into())
    }

    /// BM25 hits for a question: (source position, score), best first.
    pub(crate) fn search(
        &self,
        question: &str,
        synonyms: &crate::normalize::Synonyms,
        title_boost: f32,
        limit: usize,
    ) -> Vec<(usize, f32)> {
        #[cfg(feature = "lindera")]
        {
            let mut q: Vec<crate::tokenize::Token> = Vec::new();
            for t in self.morph.tokens(question, synonyms) {
                match q.iter_mut().find(|o| o.text == t.text) {
                    Some(o) => o.weight = o.weight.max(t.weight),
                    None => q.push(t),
                }
            }
            self.index.search(&q, title_boost, limit)
        }
        #[cfg(not(feature = "lindera"))]
        {
            let _ = (question, synonyms, title_boost, limit, &self.index);
            Vec::new()
        }
    }
}

#[cfg(all(test, feature = "lindera"))]
mod tests {
    use super::*;
    use crate::normalize::Synonyms;

    /// Runs only where Debian's mecab-ipadic is installed.
    #[test]
    fn words_from_the_debian_dictionary() {
        let config = MorphConfig::default();
        if !config.dictionary.join("matrix.def").is_file() {
            return;
        }
        let m = Morph::load(&config).expect("dictionary");
        let syn = Synonyms::empty();
        let words: Vec<String> = m
            .tokens("マイナンバーカードを引っ越し後に受け取りたい", &syn)
            .into_iter()
            .map(|t| t.text)
            .collect();
        eprintln!("{words:?}");
        assert!(
            words.contains(&"m:まいなんばー".to_string())
                || words.contains(&"m:まいなんばーかーど".to_string()),
            "{words:?}"
        );
        assert!(words.contains(&"m:引越".to_string()), "{words:?}");
        assert!(!words.iter().any(|w| w == "m:を"), "{words:?}");
    }
}
