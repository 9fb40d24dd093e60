//! Why the guide ranks and decides as it does for one question on the demo knowledge base:
//! the first ten candidates with their reranker features, then the decision features.
//!
//! cargo run -p madoguchi-guide --release --example explain -- 住民票をとりたい

use std::path::PathBuf;

use madoguchi_guide::calibrate::{CandidateFeatures, Features};
use madoguchi_guide::load::load_demo;
use madoguchi_guide::{Guide, GuideConfig};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let question = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let loaded = load_demo(&root).expect("demo data");
    let guide =
        Guide::build(loaded.kb, &GuideConfig::default(), &loaded.departments).expect("build");
    let r = guide.retrieve(&question);
    println!("{question}\nid\t{}", CandidateFeatures::NAMES.join("\t"));
    for (id, f) in &r.candidates {
        let values: Vec<String> = f.to_vec().iter().map(|v| format!("{v:.4}")).collect();
        println!("{id}\t{}", values.join("\t"));
    }
    println!("ranked: {:?}", r.ranked.iter().take(5).collect::<Vec<_>>());
    for (name, v) in Features::NAMES.iter().zip(r.features.to_vec()) {
        println!("{name}\t{v:.3}");
    }
}
