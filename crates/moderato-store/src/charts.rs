//! Read-only queries for the console's charts and its policy replay: the most
//! recently submitted content items.
//!
//! This module only reads. It must never write, and never interpret a
//! decision or an item beyond returning what was stored.

use sqlx::Row;

use crate::error::StoreError;
use crate::store::Store;

impl Store {
    /// The `limit` most recently submitted content items (as last submitted), newest first.
    pub async fn recent_content_items(
        &self,
        limit: i64,
    ) -> Result<Vec<serde_json::Value>, StoreError> {
        let rows = sqlx::query(
            "SELECT item_json FROM content_items ORDER BY submitted_at DESC, id DESC LIMIT $1",
        )
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("list recent content items"))?;
        rows.iter()
            .map(|row| {
                let item_json: String = row
                    .try_get("item_json")
                    .map_err(StoreError::database("read content item"))?;
                serde_json::from_str(&item_json)
                    .map_err(StoreError::json("content_items.item_json"))
            })
            .collect()
    }
}
