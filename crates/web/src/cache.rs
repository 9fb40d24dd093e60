//! The catalogue and the published forms, held in memory by each instance and reloaded when
//! the version counter in the database moves (checked at most once a second), so an import
//! on one instance reaches all of them.

use std::collections::HashMap;
use std::sync::Arc;

use madoguchi_core::catalog::{CatalogIndex, Department, Procedure};
use madoguchi_core::forms::Form;
use madoguchi_store::versioned::Versioned;
use madoguchi_store::{Db, Result, catalog, forms};

pub struct Snapshot {
    pub version: i64,
    pub departments: Vec<Department>,
    pub procedures: Vec<Procedure>,
    /// Newest form version by procedure id.
    pub forms: HashMap<String, Arc<Form>>,
    pub index: CatalogIndex,
    by_id: HashMap<String, usize>,
    department_by_id: HashMap<String, usize>,
}

impl Snapshot {
    pub fn procedure(&self, id: &str) -> Option<&Procedure> {
        self.by_id.get(id).and_then(|i| self.procedures.get(*i))
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.department_by_id
            .get(id)
            .and_then(|i| self.departments.get(*i))
    }

    pub fn form_for(&self, procedure_id: &str) -> Option<Arc<Form>> {
        self.forms.get(procedure_id).cloned()
    }
}

#[derive(Clone)]
pub struct CatalogCache {
    db: Db,
    current: Arc<Versioned<Snapshot>>,
}

async fn build(db: &Db) -> Result<Snapshot> {
    let version = catalog::version(db.reader()).await?;
    let departments = catalog::departments(db.reader()).await?;
    let procedures = catalog::procedures(db.reader()).await?;
    let forms = forms::latest_all(db.reader())
        .await?
        .into_iter()
        .map(|f| (f.procedure.clone(), Arc::new(f)))
        .collect();
    let index = CatalogIndex::build(&procedures, &departments, &[]);
    let by_id = procedures
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    let department_by_id = departments
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.clone(), i))
        .collect();
    Ok(Snapshot {
        version,
        departments,
        procedures,
        forms,
        index,
        by_id,
        department_by_id,
    })
}

impl CatalogCache {
    pub async fn load(db: Db) -> Result<CatalogCache> {
        let snap = build(&db).await?;
        Ok(CatalogCache {
            db,
            current: Arc::new(Versioned::new(snap)),
        })
    }

    /// The current snapshot; reloads it if the database says it changed.
    pub async fn get(&self) -> Arc<Snapshot> {
        if !self.current.check_due() {
            return self.current.get();
        }
        self.refresh_if_changed().await
    }

    pub async fn refresh_if_changed(&self) -> Arc<Snapshot> {
        let cached = self.current.get();
        match catalog::version(self.db.reader()).await {
            Ok(v) if v != cached.version => match build(&self.db).await {
                Ok(snap) => {
                    let snap = Arc::new(snap);
                    self.current.replace(snap.clone());
                    snap
                }
                Err(e) => {
                    tracing::warn!(error = %e, "reloading the catalogue failed; keeping the old one");
                    cached
                }
            },
            _ => cached,
        }
    }
}
