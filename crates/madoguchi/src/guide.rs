//! `madoguchi guide …`: the information desk from the command line — the knowledge base
//! (import, list, delete), questions (ask, eval), and the staff side (tickets, answers,
//! unanswered-question reports). Everything reads and writes the database.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use madoguchi_desk::{Desk, FaqFromAnswer};
use madoguchi_guide::eval::{FitOptions, GoldItem, parse_gold, run as run_gold};
use madoguchi_store::Db;
use madoguchi_store::guide as store;

use crate::GuideCommand;
use crate::config::Config;

/// Who did it, for the audit log.
fn actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

pub async fn run(db: &Db, config: &Config, command: GuideCommand) -> Result<()> {
    match command {
        GuideCommand::Import { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let out =
                madoguchi_desk::kb::import_faq(db, &actor(), &file.display().to_string(), &bytes)
                    .await
                    .map_err(|e| anyhow!("{e}\nnothing was imported"))?;
            for w in &out.warnings {
                eprintln!("warning: {w}");
            }
            let s = out.summary;
            println!(
                "FAQ entries: {} new, {} updated, {} unchanged",
                s.inserted, s.updated, s.unchanged
            );
            embed_imported(db, config).await
        }
        GuideCommand::ImportDocs { dir } => {
            let s = madoguchi_desk::kb::import_pages(db, &actor(), &dir)
                .await
                .map_err(|e| anyhow!("{e}\nnothing was imported"))?;
            println!(
                "pages: {} new, {} updated, {} unchanged",
                s.inserted, s.updated, s.unchanged
            );
            embed_imported(db, config).await
        }
        GuideCommand::Docs { json } => {
            for d in store::docs(db.reader()).await? {
                if json {
                    println!("{}", serde_json::to_string(&d)?);
                } else {
                    let v: serde_json::Value = serde_json::from_str(&d.data).unwrap_or_default();
                    let title = v["question"].as_str().or(v["title"].as_str()).unwrap_or("");
                    println!("{}\t{}\t{}\t{}", d.kind, d.id, d.updated_at, title);
                }
            }
            Ok(())
        }
        GuideCommand::Delete { ids } => {
            let n = store::delete_docs(db, &actor(), &ids).await?;
            println!("removed {n} of {} documents", ids.len());
            Ok(())
        }
        GuideCommand::Ask { json, question } => {
            let desk = open(db, config, true).await?;
            ask(&desk, json, question).await
        }
        GuideCommand::Eval { file, json, dump } => {
            let desk = open(db, config, true).await?;
            eval(&desk, &file, json, dump.as_deref()).await
        }
        GuideCommand::Fit {
            file,
            out,
            min_precision,
            min_decline,
            min_helped,
        } => {
            let desk = open(db, config, true).await?;
            let options = FitOptions {
                goals: madoguchi_guide::eval::Goals {
                    precision: min_precision,
                    decline: min_decline,
                    helped: min_helped,
                },
                ..FitOptions::default()
            };
            fit(&desk, config, &file, &out, options).await
        }
        GuideCommand::Tickets {
            status,
            department,
            json,
        } => {
            let filter = store::TicketFilter {
                status: (status != "all").then_some(status),
                department_id: department,
                limit: 1000,
            };
            for t in store::tickets(db.reader(), &filter).await? {
                if json {
                    println!("{}", serde_json::to_string(&t)?);
                } else {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        t.number,
                        t.status,
                        t.department_id.as_deref().unwrap_or("-"),
                        t.reason,
                        &t.created_at[..16.min(t.created_at.len())],
                        t.question
                    );
                }
            }
            Ok(())
        }
        GuideCommand::Answer {
            ticket,
            text,
            faq_question,
            faq_id,
        } => {
            let desk = open(db, config, false).await?;
            let faq = faq_question.map(|question| FaqFromAnswer {
                id: faq_id,
                question,
            });
            let Some(t) = desk
                .answer_ticket(&actor(), &ticket, &text, faq.as_ref())
                .await
                .map_err(|e| anyhow!("{e}"))?
            else {
                bail!("no ticket {ticket}; see `madoguchi guide tickets --status all`");
            };
            println!("{} answered", t.number);
            if let Some(f) = t.faq_id {
                println!("FAQ entry {f} added; the guide uses it from now on");
            }
            Ok(())
        }
        GuideCommand::Close { ticket } => {
            let Some(t) = store::find_ticket(db.reader(), &ticket).await? else {
                bail!("no ticket {ticket}");
            };
            store::close_ticket(db, &actor(), &t.id).await?;
            println!("{} closed", t.number);
            Ok(())
        }
        GuideCommand::Report { days, json } => report(db, days, json).await,
    }
}

/// With a dense model configured, the imported sources' vectors are computed now, once, and
/// stored: the guide's next build (serve, ask, eval) only reads them.
async fn embed_imported(db: &Db, config: &Config) -> Result<()> {
    let not_stored = |e: madoguchi_desk::DeskError| {
        anyhow!("the sources were imported, but their vectors were not: {e}")
    };
    let Some(embedder) = madoguchi_desk::embed::from_config(&config.guide).map_err(not_stored)?
    else {
        return Ok(());
    };
    let n = madoguchi_desk::embed::embed_new_sources(db, &embedder)
        .await
        .map_err(not_stored)?;
    println!("vectors: {n} computed and stored ({})", embedder.model());
    Ok(())
}

/// The desk over this database. For asking, an empty database first gets the demo
/// municipality, so `guide ask` and `guide eval` work on a fresh checkout.
async fn open(db: &Db, config: &Config, demo_if_empty: bool) -> Result<Arc<Desk>> {
    // Only a database with neither a catalogue nor a knowledge base gets the demo: a
    // municipality that imported its own FAQ into a fresh database is asked and evaluated
    // on that alone, without the demo's procedures among the sources.
    if demo_if_empty
        && store::has_no_docs(db.reader()).await?
        && crate::demo::load_if_empty(db).await?
    {
        eprintln!("(the database was empty: loaded the demo municipality)");
    }
    let embedder = madoguchi_desk::embed::from_config(&config.guide).map_err(|e| anyhow!("{e}"))?;
    Desk::open(db.clone(), config.guide.clone(), embedder)
        .await
        .map_err(|e| anyhow!("{e}"))
}

async fn print(desk: &Desk, question: &str, json: bool) -> Result<()> {
    let a = match desk.ask(question, "cli").await {
        Ok(a) => a,
        Err(madoguchi_desk::DeskError::Invalid(msg)) if json => {
            println!("{}", serde_json::json!({"question": "", "error": msg}));
            return Ok(());
        }
        Err(e) => return Err(anyhow!("{e}")),
    };
    if json {
        println!("{}", serde_json::to_string(&a)?);
        return Ok(());
    }
    let v = serde_json::to_value(&a)?;
    println!("Q: {}", v["question"].as_str().unwrap_or(""));
    if a.answered {
        println!("A: {}", v["answer"].as_str().unwrap_or(""));
    } else {
        println!(
            "({}) {}",
            v["reason"].as_str().unwrap_or(""),
            v["answer"].as_str().unwrap_or("")
        );
    }
    for c in v["citations"].as_array().into_iter().flatten() {
        println!(
            "   出典: {} {}",
            c["title"].as_str().unwrap_or(""),
            c["url"].as_str().unwrap_or("")
        );
    }
    if let Some(d) = v["department"].as_object() {
        println!("   担当: {}", serde_json::Value::Object(d.clone()));
    }
    println!(
        "   confidence {:.2}, handoff {}",
        v["confidence"].as_f64().unwrap_or(0.0),
        a.handoff
    );
    Ok(())
}

async fn ask(desk: &Desk, json: bool, question: Option<String>) -> Result<()> {
    if let Some(q) = question {
        return print(desk, &q, json).await;
    }
    let lines: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .collect::<std::io::Result<_>>()
        .context("cannot read standard input")?;
    for line in lines.iter().filter(|l| !l.trim().is_empty()) {
        print(desk, line, true).await?;
    }
    Ok(())
}

fn read_gold(file: &Path) -> Result<Vec<GoldItem>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    parse_gold(&text).map_err(|(line, e)| anyhow!("{}: line {line}: {e}", file.display()))
}

/// Expected ids the knowledge base does not hold can only count as misses: usually an id spelt
/// differently from the imported file.
fn warn_unknown_ids(guide: &madoguchi_guide::Guide, gold: &[GoldItem]) {
    let known: std::collections::HashSet<&str> =
        guide.sources().iter().map(|s| s.id.as_str()).collect();
    let unknown = madoguchi_guide::eval::unknown_expected(gold, &known);
    if !unknown.is_empty() {
        let shown: Vec<String> = unknown
            .iter()
            .take(10)
            .map(|(n, id)| format!("item {n}: {id}"))
            .collect();
        eprintln!(
            "warning: {} expected ids are not in the knowledge base ({} sources), so they count \
             as misses: {}{}",
            unknown.len(),
            known.len(),
            shown.join(", "),
            if unknown.len() > 10 { ", …" } else { "" }
        );
    }
}

async fn eval(desk: &Desk, file: &Path, json: bool, dump: Option<&Path>) -> Result<()> {
    let gold = read_gold(file)?;
    let guide = desk.guide().await;
    warn_unknown_ids(&guide, &gold);
    let (report, outcomes) = run_gold(&guide, &gold);
    if let Some(path) = dump {
        let mut lines = String::new();
        for o in &outcomes {
            lines.push_str(&serde_json::to_string(o)?);
            lines.push('\n');
        }
        std::fs::write(path, lines).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.summary());
    }
    Ok(())
}

/// Fewest gold questions of each kind `guide fit` accepts: below that the thresholds follow
/// a handful of questions.
const FIT_MIN_ANSWERABLE: usize = 60;
const FIT_MIN_DECLINE: usize = 10;

async fn fit(
    desk: &Desk,
    config: &Config,
    file: &Path,
    out: &Path,
    options: FitOptions<'_>,
) -> Result<()> {
    use madoguchi_guide::calibrate::Features;
    use madoguchi_guide::eval::{BASE_FEATURES, fit_decision, split_halves};
    let gold = read_gold(file)?;
    let answerable = gold.iter().filter(|g| g.answerable()).count();
    let decline = gold
        .iter()
        .filter(|g| g.decline == Some(madoguchi_guide::eval::Decline::NotInKb))
        .count();
    if answerable < FIT_MIN_ANSWERABLE || decline < FIT_MIN_DECLINE {
        bail!(
            "{}: {answerable} answerable and {decline} not_in_kb questions; fitting needs at \
             least {FIT_MIN_ANSWERABLE} and {FIT_MIN_DECLINE} (the shipped decision stays)",
            file.display()
        );
    }
    // Every gold question is retrieved many times: embed each once.
    let mut guide = desk
        .build_guide()
        .await
        .map_err(|e| anyhow!("{e}"))?
        .remembering_question_vectors();
    warn_unknown_ids(&guide, &gold);
    let (even, odd) = split_halves(&gold);
    // The configured decision on the same odd lines: a fit on a few hundred questions can do
    // worse than the shipped one (fitted on two knowledge bases), and this shows it.
    let configured_engine = guide.config().clone();
    let restore_configured = |guide: &mut madoguchi_guide::Guide| {
        guide.set_rerank(configured_engine.rerank_model.clone());
        guide.set_decision(
            configured_engine.answer_model.clone(),
            configured_engine.answer_threshold,
            configured_engine.choice_model.clone(),
            configured_engine.clarify_threshold,
        );
    };
    let configured = run_gold(&guide, &odd).0;
    println!(
        "== the configured decision, on the odd lines\n{}",
        configured.summary()
    );
    // Which calibration features: every one did better with the demo's ~500 fitting questions,
    // the five base ones with ~190 (docs/guide.md). Chosen here on the odd lines, by the
    // shortfall from the trust goals.
    let all_features = Features::NAMES;
    let mut chosen: Option<(f64, &[&str], madoguchi_guide::eval::EvalReport)> = None;
    for (name, features) in [
        ("the five base", &BASE_FEATURES[..]),
        ("all", &all_features[..]),
    ] {
        restore_configured(&mut guide);
        fit_decision(
            &mut guide,
            &even,
            &FitOptions {
                features,
                ..options
            },
        );
        let report = run_gold(&guide, &odd).0;
        let shortfall = options.goals.shortfall(&report);
        println!(
            "== {name} features, fitted on the even lines, measured on the odd lines (shortfall from the goals {shortfall:.3})\n{}",
            report.summary()
        );
        if chosen.as_ref().is_none_or(|c| shortfall < c.0) {
            chosen = Some((shortfall, features, report));
        }
    }
    let Some((_, features, fitted)) = chosen else {
        bail!("no feature set was fitted");
    };
    let options = FitOptions {
        features,
        ..options
    };
    if fitted.helped < configured.helped
        || fitted.answered_precision < configured.answered_precision
    {
        println!(
            "note: on the odd lines the fitted decision helps {:.3} (configured {:.3}) at answered \
             precision {:.3} (configured {:.3}); keep the configured one unless the fit is better \
             where it matters to you",
            fitted.helped,
            configured.helped,
            fitted.answered_precision,
            configured.answered_precision
        );
    }
    // From the configured decision again, as a direct fit on all lines would start.
    restore_configured(&mut guide);
    let decision = fit_decision(&mut guide, &gold, &options);
    println!(
        "== fitted on all {} lines (measured on the same lines: optimistic)\n{}",
        gold.len(),
        run_gold(&guide, &gold).0.summary()
    );
    let mut section = toml::Table::new();
    if let Some(model) = &config.guide.e5_model {
        section.insert("e5_model".into(), toml::Value::try_from(model)?);
    }
    section.insert("engine".into(), toml::Value::try_from(guide.config())?);
    let mut root = toml::Table::new();
    root.insert("guide".into(), toml::Value::Table(section));
    let text = format!(
        "# Fitted by `madoguchi guide fit {}` on {} (answer threshold {:.3}, clarify {:.3}).\n\
         # Use with `madoguchi --config FILE …`, or merge [guide.engine] into madoguchi.toml.\n{}",
        file.display(),
        chrono::Utc::now().format("%Y-%m-%d"),
        decision.answer_threshold,
        decision.clarify_threshold,
        toml::to_string(&root)?
    );
    std::fs::write(out, text).with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

async fn report(db: &Db, days: i64, json: bool) -> Result<()> {
    let since =
        madoguchi_store::time_text(chrono::Utc::now() - chrono::Duration::days(days.max(0)));
    let rows = store::unanswered_report(db.reader(), &since).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("unanswered questions in the last {days} days, by department");
    for r in rows {
        let reasons: Vec<String> = r
            .by_reason
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!(
            "{}: {} · open tickets {}",
            r.department_id.as_deref().unwrap_or("(no department)"),
            if reasons.is_empty() {
                "-".to_string()
            } else {
                reasons.join(", ")
            },
            r.open_tickets
        );
        for q in r.examples {
            println!("    「{q}」");
        }
    }
    Ok(())
}
