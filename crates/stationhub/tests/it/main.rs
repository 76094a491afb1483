//! Integration tests: each starts the real server on a fresh database (SQLite by default,
//! PostgreSQL when STATIONHUB_TEST_DATABASE_URL names a server) and drives it over HTTP.
//! One test binary, so everything links once.

mod helpers;

mod access;
mod accounts;
mod application_pages;
mod applications;
mod audit;
mod backup;
mod browser;
mod crash;
mod dashboard;
mod documents;
mod exports;
mod hostile;
mod import;
mod jobs;
mod lifecycle;
mod mail;
mod memo;
mod operations;
mod pages;
mod platform;
mod registry;
mod registry_pages;
mod review;
mod review_pages;
mod s3;
mod scale;
mod security;
mod station_pages;
mod stations;
