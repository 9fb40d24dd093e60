//! What every handler can reach.

use std::sync::Arc;

use madoguchi_desk::{Desk, DeskConfig, DeskError, Embedder};
use madoguchi_store::Db;

use crate::cache::CatalogCache;
use crate::render::Templates;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest JSON body accepted by the API.
    pub max_json_bytes: usize,
    /// Largest attachment accepted (a form field may set a smaller limit).
    pub max_upload_bytes: usize,
    /// Send cookies with `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Name of the municipality, shown in the header.
    pub municipality: String,
    pub municipality_en: String,
    /// Bearer token of the staff API (/api/v1/admin); `None`: that API answers 404.
    pub admin_token: Option<String>,
    /// The information desk.
    pub guide: DeskConfig,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            max_json_bytes: 256 * 1024,
            max_upload_bytes: 10 * 1024 * 1024,
            secure_cookies: false,
            municipality: "桜ヶ丘区".into(),
            municipality_en: "Sakuragaoka City".into(),
            admin_token: None,
            guide: DeskConfig::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub catalog: CatalogCache,
    pub templates: Arc<Templates>,
    pub desk: Arc<Desk>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] madoguchi_store::StoreError),
    #[error(transparent)]
    Desk(#[from] DeskError),
}

impl AppState {
    pub async fn new(db: Db, config: WebConfig) -> Result<AppState, StartError> {
        AppState::with_embedder(db, config, None).await
    }

    /// With a sentence-embedding model for the guide's dense signal.
    pub async fn with_embedder(
        db: Db,
        config: WebConfig,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<AppState, StartError> {
        let catalog = CatalogCache::load(db.clone()).await?;
        let desk = Desk::open(db.clone(), config.guide.clone(), embedder).await?;
        Ok(AppState {
            db,
            config: Arc::new(config),
            catalog,
            templates: Arc::new(Templates::new()),
            desk,
        })
    }
}
