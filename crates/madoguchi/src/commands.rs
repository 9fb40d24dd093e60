//! What each subcommand does.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use madoguchi_core::catalog::csv_io::{self, FileKind, RowError};
use madoguchi_core::catalog::survey::UNASSIGNED_DEPARTMENT;
use madoguchi_core::catalog::{CatalogStats, Department};
use madoguchi_core::forms::Form;
use madoguchi_core::text::Text;
use madoguchi_store::{Db, applications, audit, catalog, drafts, forms, jobs, postal, sessions};
use madoguchi_web::{AppState, WebConfig};

use crate::config::Config;

pub async fn serve(db: Db, config: &Config, demo: bool) -> Result<()> {
    if demo && crate::demo::load_if_empty(&db).await? {
        tracing::info!("loaded the demo municipality");
    } else if demo && crate::demo::load_guide_if_empty(&db).await? {
        // A database from before the information desk existed.
        tracing::info!("loaded the demo information desk's documents");
    }
    let web = WebConfig {
        max_json_bytes: config.max_json_kb * 1024,
        max_upload_bytes: config.max_upload_mb * 1024 * 1024,
        secure_cookies: config.secure_cookies,
        municipality: config.municipality.clone(),
        municipality_en: config.municipality_en.clone(),
        admin_token: config.admin_token.clone(),
        guide: config.guide.clone(),
    };
    let embedder = madoguchi_desk::embed::from_config(&config.guide)?;
    let state = AppState::with_embedder(db.clone(), web, embedder).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    // The line scripts wait for.
    println!("madoguchi listening on http://{addr}");
    tracing::info!(%addr, database = %crate::redact_url(&config.database_url()?), "serving");
    let purge = tokio::spawn(purge_loop(db.clone()));
    axum::serve(listener, madoguchi_web::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    purge.abort();
    tracing::info!("stopped; queued submissions were stored");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Retention: expired sessions and drafts (with their uploads) are deleted hourly by
/// whichever instance holds the lease.
async fn purge_loop(db: Db) {
    let holder = uuid::Uuid::new_v4().to_string();
    loop {
        match jobs::try_lease(db.writer(), "purge", &holder, 3000).await {
            Ok(true) => {
                let s = sessions::purge_expired(db.writer()).await;
                let d = drafts::purge_expired(db.writer()).await;
                let g = madoguchi_store::guide::purge_expired(db.writer()).await;
                tracing::info!(sessions = ?s.ok(), drafts = ?d.ok(), guide_log_and_tickets = ?g.ok(), "purged expired sessions, drafts, guide log entries and tickets");
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "purge lease failed"),
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

fn print_errors(file: &Path, errors: &[RowError]) {
    for e in errors {
        eprintln!("{}: {e}", file.display());
    }
}

pub async fn catalog_import(db: &Db, files: &[PathBuf], skip_invalid: bool) -> Result<()> {
    if files.is_empty() {
        bail!("name at least one CSV file");
    }
    let mut departments = Vec::new();
    let mut procedures = Vec::new();
    let mut errors: Vec<(PathBuf, RowError)> = Vec::new();
    let mut survey = false;
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        let (kind, parsed) = match csv_io::parse(&bytes) {
            Ok(x) => x,
            Err(e) => {
                print_errors(f, std::slice::from_ref(&e));
                bail!("{}: nothing was imported", f.display());
            }
        };
        survey |= kind == FileKind::Survey;
        errors.extend(parsed.errors.into_iter().map(|e| (f.clone(), e)));
        departments.extend(
            parsed
                .departments
                .into_iter()
                .map(|(l, d)| (f.clone(), l, d)),
        );
        procedures.extend(
            parsed
                .procedures
                .into_iter()
                .map(|(l, p)| (f.clone(), l, p)),
        );
    }
    if survey
        && !departments
            .iter()
            .any(|(_, _, d): &(PathBuf, usize, Department)| d.id == UNASSIGNED_DEPARTMENT)
    {
        departments.push((
            PathBuf::new(),
            0,
            Department {
                id: UNASSIGNED_DEPARTMENT.into(),
                name: Text::new("未割当", Some("Unassigned".into())),
                location: None,
                phone: None,
                email: None,
                hours: None,
            },
        ));
    }
    // Every procedure must name a department that exists or is being imported.
    let mut known: HashSet<String> = catalog::department_ids(db.reader())
        .await?
        .into_iter()
        .collect();
    known.extend(departments.iter().map(|(_, _, d)| d.id.clone()));
    procedures.retain(|(f, line, p)| {
        let ok = known.contains(&p.department);
        if !ok {
            errors.push((
                f.clone(),
                RowError {
                    line: *line,
                    column: Some("department".into()),
                    message: format!(
                        "unknown department \"{}\"; import it in a departments file first",
                        p.department
                    ),
                },
            ));
        }
        ok
    });
    for (f, e) in &errors {
        print_errors(f, std::slice::from_ref(e));
    }
    if !errors.is_empty() && !skip_invalid {
        bail!(
            "{} error(s); nothing was imported (use --skip-invalid to import the valid rows)",
            errors.len()
        );
    }
    let depts: Vec<Department> = departments.into_iter().map(|(_, _, d)| d).collect();
    let procs: Vec<_> = procedures.into_iter().map(|(_, _, p)| p).collect();
    let source = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    catalog::upsert(db, "cli", &source, &depts, &procs).await?;
    if errors.is_empty() {
        println!(
            "imported {} department(s) and {} procedure(s)",
            depts.len(),
            procs.len()
        );
    } else {
        println!(
            "imported {} department(s) and {} procedure(s); skipped {} invalid row(s) listed above",
            depts.len(),
            procs.len(),
            errors.len()
        );
    }
    Ok(())
}

pub async fn catalog_export(db: &Db, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let depts = catalog::departments(db.reader()).await?;
    let procs = catalog::procedures(db.reader()).await?;
    std::fs::write(
        dir.join("departments.csv"),
        csv_io::export_departments(&depts),
    )?;
    std::fs::write(
        dir.join("procedures.csv"),
        csv_io::export_procedures(&procs),
    )?;
    println!(
        "wrote {} department(s) and {} procedure(s) to {}",
        depts.len(),
        procs.len(),
        dir.display()
    );
    Ok(())
}

pub async fn catalog_stats(db: &Db, json: bool) -> Result<()> {
    let procs = catalog::procedures(db.reader()).await?;
    let depts = catalog::departments(db.reader()).await?;
    let stats = CatalogStats::of(&procs);
    if json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(());
    }
    let row = |name: &str, c: &madoguchi_core::catalog::stats::Counts| {
        println!(
            "{:<28} {:>6} {:>6} {:>8} {:>7} {:>6} {:>7.1}%",
            name,
            c.total,
            c.online_here,
            c.online_external,
            c.offline,
            c.offline_by_law,
            c.online_rate * 100.0
        );
    };
    println!(
        "{:<28} {:>6} {:>6} {:>8} {:>7} {:>6} {:>8}",
        "", "total", "here", "external", "offline", "law", "online"
    );
    row("全体 / overall", &stats.overall);
    println!("-- 担当課 / by department");
    for (id, c) in &stats.by_department {
        let name = depts
            .iter()
            .find(|d| &d.id == id)
            .map(|d| d.name.ja.clone())
            .unwrap_or_else(|| id.clone());
        row(&name, c);
    }
    println!("-- 分野 / by category");
    for (code, c) in &stats.by_category {
        let name =
            madoguchi_core::catalog::codes::find(madoguchi_core::catalog::codes::CATEGORIES, code)
                .map(|c| c.ja.to_string())
                .unwrap_or_else(|| code.clone());
        row(&name, c);
    }
    Ok(())
}

fn load_forms(files: &[PathBuf]) -> Result<Vec<(String, Form)>> {
    if files.is_empty() {
        bail!("name at least one form file");
    }
    let mut out = Vec::new();
    let mut failed = 0;
    for f in files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("cannot read {name} (form files are UTF-8 YAML or JSON)"))?;
        match Form::from_yaml(&name, &text) {
            Ok(form) => out.push((name, form)),
            Err(e) => {
                eprintln!("{e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!("{failed} form definition(s) are invalid");
    }
    Ok(out)
}

pub fn forms_check(files: &[PathBuf]) -> Result<()> {
    for (name, form) in load_forms(files)? {
        println!(
            "{name}: ok ({} pages, {} fields)",
            form.pages.len(),
            form.all_fields().len()
        );
    }
    Ok(())
}

pub async fn forms_import(db: &Db, files: &[PathBuf]) -> Result<()> {
    let forms_loaded = load_forms(files)?;
    let procs: HashSet<String> = catalog::procedures(db.reader())
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    for (name, form) in &forms_loaded {
        if !procs.contains(&form.procedure) {
            bail!(
                "{name}: procedure: unknown procedure \"{}\"; import the catalogue first",
                form.procedure
            );
        }
    }
    for (name, form) in &forms_loaded {
        let r = forms::publish(db, "cli", form, name).await?;
        println!(
            "{name}: {} version {} {}",
            form.id,
            form.version,
            if r == forms::Published::New {
                "published"
            } else {
                "unchanged"
            }
        );
    }
    Ok(())
}

pub async fn postal_import(db: &Db, file: &Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = csv_io::decode(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let entries =
        postal::parse_postal_csv(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    postal::replace_all(db.writer(), &entries).await?;
    println!("imported {} postal-code entries", entries.len());
    Ok(())
}

pub async fn audit_verify(db: &Db) -> Result<()> {
    let v = audit::verify(db.reader()).await?;
    match v.first_broken {
        None => {
            println!(
                "audit log intact: {} entries, hash chain verified",
                v.entries
            );
            Ok(())
        }
        Some(seq) => bail!(
            "audit log BROKEN at entry {seq} (of {}): it was changed, removed or reordered",
            v.entries
        ),
    }
}

pub async fn audit_tail(db: &Db, limit: i64) -> Result<()> {
    for e in audit::recent(db.reader(), limit).await? {
        println!(
            "{:>8} {} {:<22} {:<28} {} {}",
            e.seq, e.at, e.actor, e.action, e.subject, e.detail
        );
    }
    Ok(())
}

pub async fn applications_verify(db: &Db, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let ids: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let found: HashSet<String> = applications::existing_ids(db.reader(), &ids)
        .await?
        .into_iter()
        .collect();
    let missing: Vec<&String> = ids.iter().filter(|id| !found.contains(*id)).collect();
    println!(
        "acknowledged: {}, stored: {}, missing: {}",
        ids.len(),
        ids.len() - missing.len(),
        missing.len()
    );
    for m in missing.iter().take(20) {
        println!("missing {m}");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        bail!("{} acknowledged application(s) are missing", missing.len())
    }
}
