//! The store's types for imports: what one did, would do, and taking one back.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    /// Rows identical to what is stored already.
    pub unchanged: usize,
}

/// What taking an import back did (see `Store::take_back_abandoned_imports`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Undone {
    /// Customers it created, removed again.
    pub removed: usize,
    /// Customers it changed, whose fields were put back.
    pub restored: usize,
    /// Customers it created that someone touched meanwhile (changed, or added a contact, an
    /// order, a deal to): moved to the recycle bin instead of removed, so nothing of theirs is lost.
    pub binned: usize,
}

impl Undone {
    /// "Import 3 never finished …" in the reader's language, for a log line or the CLI.
    pub fn message(&self, import_id: i64, lang: guanxi_domain::Lang) -> String {
        match lang {
            guanxi_domain::Lang::ZhCn => format!(
                "导入 {import_id} 没有完成（它的进程已停止），已撤回：删除 {} 条，改回 {} 条，移入回收站 {} 条",
                self.removed, self.restored, self.binned
            ),
            guanxi_domain::Lang::En => format!(
                "import {import_id} never finished (its process stopped); taken back: {} removed, {} put back, {} to the recycle bin",
                self.removed, self.restored, self.binned
            ),
        }
    }
}

/// What an import would do with a row that names a stored customer: change it (the fields
/// that would change, as now and then), or refuse the row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowPreview {
    Update { line: usize, id: i64, name: String, changes: Vec<(guanxi_domain::Field, String, String)> },
    Refused(usize, guanxi_domain::Validation),
}

/// What an orders import would do with a row (see `Store::preview_orders`).
#[derive(Debug, Clone, PartialEq)]
pub enum OrderPreview {
    /// A new order for this customer.
    New {
        line: usize,
        customer: i64,
    },
    /// A change to a stored order: each changing field, as text before and after.
    Update {
        line: usize,
        order: i64,
        customer: i64,
        order_no: String,
        changes: Vec<(guanxi_domain::Field, String, String)>,
    },
    /// The stored order already holds what the row says.
    Unchanged {
        line: usize,
        order: i64,
    },
    Refused(usize, guanxi_domain::Validation),
}

/// What an import in progress has written so far, and the owners it has looked up.
#[derive(Debug, Default)]
pub struct ImportState {
    pub outcome: ImportOutcome,
    pub(crate) owners: std::collections::HashMap<String, i64>,
    /// Stored customers the import changed, whose search keys are rewritten when it finishes:
    /// on SQLite a removal from FTS5 in between would flush the keys it is buffering.
    pub(crate) reindex: std::collections::BTreeSet<i64>,
    /// The import's own audit record, named by those of the customers it writes.
    pub(crate) import_id: Option<i64>,
}
