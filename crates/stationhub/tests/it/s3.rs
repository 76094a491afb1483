//! The S3 file store against a real S3-compatible server (CI runs moto on loopback).
//!
//! Set STATIONHUB_TEST_S3_ENDPOINT (e.g. `http://127.0.0.1:5000`) to run it; the credentials and
//! region come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION (dummy values are fine
//! for moto and are used when unset). Each test makes its own bucket. Without the endpoint the
//! test prints a SKIPPED line and passes, unless STATIONHUB_REQUIRE_S3=1 (as in CI) makes that a
//! failure.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use reqwest::StatusCode;

use crate::applications::{PDF, scenario};
use crate::helpers::TestApp;

const ENDPOINT_ENV: &str = "STATIONHUB_TEST_S3_ENDPOINT";
const REQUIRE_ENV: &str = "STATIONHUB_REQUIRE_S3";

/// The endpoint to test against, or `None` (after saying SKIPPED) when there is none.
fn endpoint() -> Option<String> {
    match std::env::var(ENDPOINT_ENV) {
        Ok(e) if !e.trim().is_empty() => Some(e.trim().trim_end_matches('/').to_string()),
        _ => {
            if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
                panic!("{REQUIRE_ENV}=1 but {ENDPOINT_ENV} is not set: no S3 server to test");
            }
            eprintln!(
                "\n==================================================================\n\
                 SKIPPED: {ENDPOINT_ENV} is not set.\n\
                 The S3 file store tests did NOT run. Set {REQUIRE_ENV}=1 to make this an error.\n\
                 ==================================================================\n"
            );
            None
        }
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// The environment of a server that keeps its files on `endpoint`.
fn s3_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", env_or("AWS_ACCESS_KEY_ID", "testing")),
        (
            "AWS_SECRET_ACCESS_KEY",
            env_or("AWS_SECRET_ACCESS_KEY", "testing"),
        ),
        ("AWS_REGION", env_or("AWS_REGION", "us-east-1")),
        // Loopback: plain HTTP is allowed without AWS_ALLOW_HTTP; path-style requests.
        ("AWS_ALLOW_HTTP", String::new()),
        ("AWS_ENDPOINT", String::new()),
        ("AWS_ENDPOINT_URL_S3", String::new()),
        ("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", String::new()),
    ]
}

/// A new, empty bucket (`CreateBucket` is a plain PUT on the bucket's path; moto does not check
/// signatures).
async fn fresh_bucket(endpoint: &str) -> String {
    let random: u64 = rand_u64();
    let bucket = format!("sh-test-{}-{random:016x}", std::process::id());
    let res = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{ENDPOINT_ENV}={endpoint} does not answer: {e}"));
    assert!(
        res.status().is_success(),
        "creating the bucket {bucket}: {} {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
    bucket
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// The bucket, seen directly (not through stationhub).
fn bucket_client(endpoint: &str, bucket: &str) -> impl ObjectStore {
    AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_bucket_name(bucket)
        .with_access_key_id(env_or("AWS_ACCESS_KEY_ID", "testing"))
        .with_secret_access_key(env_or("AWS_SECRET_ACCESS_KEY", "testing"))
        .with_region(env_or("AWS_REGION", "us-east-1"))
        .build()
        .unwrap()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

fn label_of(kind: &str) -> &'static str {
    match kind {
        "agreement" => "合作协议",
        "performance_targets" => "年度绩效目标",
        "unit_intro_rules" => "单位简介与工作细则",
        "org_staff_list" => "组织机构与人员名单",
        other => panic!("{other}"),
    }
}

async fn get_bytes(app: &TestApp, path: &str, token: &str) -> Vec<u8> {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.bytes().await.unwrap().to_vec();
    assert_eq!(
        status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&body)
    );
    body
}

#[tokio::test]
async fn materials_go_to_the_bucket_and_come_back_byte_for_byte() {
    let Some(endpoint) = endpoint() else { return };
    let bucket = fresh_bucket(&endpoint).await;
    let mut s = scenario().await;

    // The real binary, as deployed: --file-store s3://BUCKET/PREFIX and the AWS_* variables.
    let env = s3_env(&endpoint);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let store_url = format!("s3://{bucket}/stationhub-files");
    let server = s
        .app
        .server_process_with(&["--file-store", &store_url], &env);
    s.app.base = server.base.clone();

    // The four materials through the API, each with its own bytes (binary, not only text).
    let id = s.draft().await;
    let mut sent: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (kind, name) in [
        ("agreement", "合作协议（签字版）.pdf"),
        ("performance_targets", "绩效目标.pdf"),
        ("unit_intro_rules", "单位简介.pdf"),
        ("org_staff_list", "人员名单.pdf"),
    ] {
        let mut bytes = PDF.to_vec();
        bytes.extend_from_slice(format!("% {kind} {name}\n").as_bytes());
        bytes.extend((0..=255u8).cycle().take(70_000));
        let (st, b) = s.upload(id, kind, name, bytes.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        sent.insert(kind.to_string(), bytes);
    }

    let (st, v) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let files = v["files"].as_array().cloned().unwrap_or_default();
    assert_eq!(files.len(), 4, "{v}");

    // One download: the very bytes sent.
    let first = &files[0];
    let kind = first["kind"].as_str().unwrap_or_default();
    let got = get_bytes(&s.app, &format!("/api/v1/files/{}", first["id"]), &s.host).await;
    assert_eq!(Some(&got), sent.get(kind), "{kind}: identical bytes");

    // The zip of all files: every entry the very bytes sent.
    let zipped = get_bytes(
        &s.app,
        &format!("/api/v1/applications/{id}/files.zip"),
        &s.host,
    )
    .await;
    let mut zip = zip::ZipArchive::new(Cursor::new(zipped)).unwrap();
    assert_eq!(zip.len(), 4);
    for f in &files {
        let kind = f["kind"].as_str().unwrap_or_default();
        let entry = format!(
            "{}_{}",
            label_of(kind),
            f["filename"].as_str().unwrap_or_default()
        );
        let mut inside = Vec::new();
        zip.by_name(&entry)
            .unwrap_or_else(|_| panic!("no {entry} in the zip"))
            .read_to_end(&mut inside)
            .unwrap();
        assert_eq!(Some(&inside), sent.get(kind), "{entry}: identical bytes");
    }

    // The objects really are in the bucket, under the prefix, and nothing else is.
    let direct = bucket_client(&endpoint, &bucket);
    let objects: Vec<_> = direct.list(None).try_collect().await.unwrap();
    assert_eq!(objects.len(), 4, "{objects:?}");
    let mut stored = Vec::new();
    for o in &objects {
        assert!(
            o.location.as_ref().starts_with("stationhub-files/"),
            "{}",
            o.location
        );
        let bytes = direct
            .get(&o.location)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        stored.push(bytes.to_vec());
    }
    stored.sort();
    let mut expected: Vec<Vec<u8>> = sent.values().cloned().collect();
    expected.sort();
    assert_eq!(stored, expected, "the bucket holds exactly the materials");

    // … and not in the local data folder.
    let local = files_under(&s.app.data_dir());
    assert!(local.is_empty(), "files in the data folder: {local:?}");

    // A removed object is a 404 for the file, not a server error.
    let doomed = ObjectPath::from(objects[0].location.as_ref());
    direct.delete(&doomed).await.unwrap();
    let mut missing = None;
    for f in &files {
        let res = s
            .app
            .client
            .get(s.app.url(&format!("/api/v1/files/{}", f["id"])))
            .bearer_auth(&s.host)
            .send()
            .await
            .unwrap();
        if res.status() != StatusCode::OK {
            missing = Some(res.status());
        }
    }
    assert_eq!(missing, Some(StatusCode::NOT_FOUND));
    drop(server);
}

#[tokio::test]
async fn a_plain_http_endpoint_elsewhere_is_refused_at_start_up() {
    // No S3 server needed: the settings are checked before anything is sent.
    let app = TestApp::spawn().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .args([
            "--database",
            &app.db_url,
            "--file-store",
            "s3://bucket/prefix",
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .env("STATIONHUB_DATA_DIR", app.data_dir())
        .env("STATIONHUB_LOG", "warn")
        .env("AWS_ENDPOINT_URL", "http://192.0.2.10:9000")
        .env_remove("AWS_ALLOW_HTTP")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AWS_ALLOW_HTTP=true"), "{err}");
}
