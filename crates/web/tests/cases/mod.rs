mod api;
mod browser;
mod competitors;
mod pages;
mod relationships;
mod sales;
mod security;
mod standing;
