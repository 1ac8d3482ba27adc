mod api;
mod browser;
mod pages;
mod sales;
mod security;
