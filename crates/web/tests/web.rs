//! The web app end to end: a real server on a loopback port, on SQLite and on PostgreSQL,
//! through HTTP as browsers and integrations use it, and through headless Chromium.

mod cases;
mod kit;
