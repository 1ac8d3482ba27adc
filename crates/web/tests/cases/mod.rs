mod api;
mod browser;
mod pages;
mod security;
