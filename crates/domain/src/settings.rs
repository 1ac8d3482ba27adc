//! The server settings' fields.

use crate::error::fields;

fields! {
    PublicUrl = "public_url", "公开地址", "Public address", [];
}
