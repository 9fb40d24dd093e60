//! The sparse index: BM25 (tantivy, in RAM) over pre-tokenised title and body fields.
//!
//! Tokens come from [`crate::tokenize`] (character bigrams by default, or morphological
//! tokens with the `lindera` feature); tantivy only stores postings and scores them.

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{PreTokenizedString, Token as TantivyToken};
use tantivy::{Index, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::tokenize::Token;

/// One document to index: the token texts of its title and of its body.
pub struct IndexDoc {
    pub title: Vec<String>,
    pub body: Vec<String>,
}

pub struct SparseIndex {
    searcher: Searcher,
    title: Field,
    body: Field,
    /// Per segment: the `idx` fast field (position of the document in the input).
    idx_columns: Vec<Column<u64>>,
    num_docs: u64,
}

fn pre_tokenized(tokens: &[String]) -> PreTokenizedString {
    PreTokenizedString {
        text: String::new(),
        tokens: tokens
            .iter()
            .enumerate()
            .map(|(i, t)| TantivyToken {
                offset_from: 0,
                offset_to: 0,
                position: i,
                text: t.clone(),
                position_length: 1,
            })
            .collect(),
    }
}

impl SparseIndex {
    /// Indexes the documents in RAM; document `i` is reported as `i` by [`SparseIndex::search`].
    pub fn build(docs: Vec<IndexDoc>) -> tantivy::Result<SparseIndex> {
        let mut schema = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let title = schema.add_text_field("title", text.clone());
        let body = schema.add_text_field("body", text);
        let idx = schema.add_u64_field("idx", NumericOptions::default().set_fast());
        let index = Index::create_in_ram(schema.build());
        let threads = if docs.len() > 2000 { 2 } else { 1 };
        let mut writer: IndexWriter =
            index.writer_with_num_threads(threads, 40_000_000 * threads)?;
        for (i, d) in docs.into_iter().enumerate() {
            let mut doc = TantivyDocument::new();
            doc.add_pre_tokenized_text(title, pre_tokenized(&d.title));
            doc.add_pre_tokenized_text(body, pre_tokenized(&d.body));
            doc.add_u64(idx, i as u64);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let idx_columns = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().u64("idx"))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let num_docs = searcher.num_docs();
        Ok(SparseIndex {
            searcher,
            title,
            body,
            idx_columns,
            num_docs,
        })
    }

    pub fn num_docs(&self) -> u64 {
        self.num_docs
    }

    /// Documents containing the token in the title or the body (the larger of the two counts).
    pub fn doc_freq(&self, token: &str) -> u64 {
        let t = self
            .searcher
            .doc_freq(&Term::from_field_text(self.title, token))
            .unwrap_or(0);
        let b = self
            .searcher
            .doc_freq(&Term::from_field_text(self.body, token))
            .unwrap_or(0);
        t.max(b)
    }

    /// Inverse document frequency as in BM25 (never negative).
    pub fn idf(&self, token: &str) -> f32 {
        let n = self.num_docs as f32;
        let df = self.doc_freq(token) as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// BM25 over both fields (title × `title_boost`), each query token weighted; best first.
    pub fn search(&self, query: &[Token], title_boost: f32, limit: usize) -> Vec<(usize, f32)> {
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(query.len() * 2);
        for t in query {
            for (field, boost) in [(self.title, title_boost), (self.body, 1.0)] {
                let q = TermQuery::new(
                    Term::from_field_text(field, &t.text),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), t.weight * boost)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let Ok(top) = self
            .searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
        else {
            return Vec::new();
        };
        top.into_iter()
            .filter_map(|(score, addr)| {
                let col = self.idx_columns.get(addr.segment_ord as usize)?;
                Some((col.first(addr.doc_id)? as usize, score))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::{TokenWeights, doc_tokens, query_tokens};

    #[test]
    fn finds_by_bigrams() {
        let docs = ["住民票の写し", "粗大ごみの申込", "児童手当"]
            .iter()
            .map(|t| IndexDoc {
                title: doc_tokens(t),
                body: Vec::new(),
            })
            .collect();
        let idx = SparseIndex::build(docs).expect("index");
        assert_eq!(idx.num_docs(), 3);
        let hits = idx.search(&query_tokens("粗大ごみ", &TokenWeights::default()), 2.0, 10);
        assert_eq!(hits[0].0, 1);
        assert!(idx.idf("住民") > idx.idf("xx") - 10.0);
        assert_eq!(idx.doc_freq("住民"), 1);
    }
}
