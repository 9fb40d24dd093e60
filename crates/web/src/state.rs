//! What every handler can reach.

use std::sync::Arc;

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
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            max_json_bytes: 256 * 1024,
            max_upload_bytes: 10 * 1024 * 1024,
            secure_cookies: false,
            municipality: "桜ヶ丘区".into(),
            municipality_en: "Sakuragaoka City".into(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub catalog: CatalogCache,
    pub templates: Arc<Templates>,
}

impl AppState {
    pub async fn new(db: Db, config: WebConfig) -> Result<AppState, madoguchi_store::StoreError> {
        let catalog = CatalogCache::load(db.clone()).await?;
        Ok(AppState {
            db,
            config: Arc::new(config),
            catalog,
            templates: Arc::new(Templates::new()),
        })
    }
}
