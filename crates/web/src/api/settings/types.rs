//! The API types of the value settings: the OpenAPI schemas of the bodies `api/settings.rs` takes
//! and gives.

use crate::api::schema::prelude::*;

schema!(ValueSettings, "The value settings, as the settings form shows them (all values as text).", {
    record(&guanxi_domain::value::ValueSettings::fields(), &[], false, &[])
});
