//! The `impl Store` of search (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// Best matches first: the whole name exactly (张三, zhangsan, zs), then the start of the
    /// name (张), then a part of it (华为 in 北京华为…), then anything else (phone, e-mail,
    /// company, key people); within each, oldest customer first. Deleted customers are not found.
    pub async fn search(&self, query: &str, limit: i64) -> Result<Vec<CustomerSummary>, StoreError> {
        dispatch!(self, search(query, limit))
    }
}
