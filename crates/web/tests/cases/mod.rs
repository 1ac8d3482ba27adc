mod api;
mod browser;
mod competitors;
mod hardening;
pub mod pages;
mod relationships;
mod sales;
mod security;
mod standing;
