//! A customer as a line of a list (search results, lists, duplicate pairs): the one query and
//! the one reading of its row, below both the customers and the search operations.

use super::{Row, corrupt};
use crate::{CustomerSummary, StoreError};
use guanxi_domain::{CustomerKind, CustomerStatus};
use sqlx::Row as _;

pub(crate) fn summary_from_row(r: &Row) -> Result<CustomerSummary, StoreError> {
    let kind_s: String = r.try_get("kind")?;
    let status_s: String = r.try_get("status")?;
    let kind = CustomerKind::parse(&kind_s).ok_or_else(|| corrupt("kind", &kind_s))?;
    let name: String = r.try_get("name")?;
    let company = match kind {
        CustomerKind::Individual => r.try_get("employer")?,
        CustomerKind::Organization => None,
    };
    Ok(CustomerSummary {
        id: r.try_get("id")?,
        kind,
        status: CustomerStatus::parse(&status_s).ok_or_else(|| corrupt("status", &status_s))?,
        name,
        company,
        phone: r.try_get("phone")?,
        email: r.try_get("email")?,
        city: r.try_get("city")?,
        owner: r.try_get("owner_username")?,
    })
}

pub(crate) const SUMMARY_SELECT: &str = "SELECT c.id, c.kind, c.status, c.name, c.employer, c.phone, c.email, c.city, \
     u.username AS owner_username FROM customers c LEFT JOIN users u ON u.id = c.owner_id";
