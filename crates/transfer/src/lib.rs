//! Files in and out: reading CSV (UTF-8, UTF-8 with BOM, UTF-16 and GB18030/GBK as saved by
//! Chinese Excel) and Excel workbooks into a table, mapping its headers to archive fields,
//! validating each row; and writing customers back out as CSV (UTF-8 with BOM) or XLSX.
//!
//! No database here: the store writes what this crate has validated.

mod export;
mod orders;
mod read;
mod rows;

pub use export::*;
pub use orders::*;
pub use read::*;
pub use rows::*;
