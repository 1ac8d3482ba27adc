mod api;
mod browser;
mod pages;
mod relationships;
mod sales;
mod security;
