//! The uploaded-file store: the bytes of application materials, kept apart from the database.
//!
//! [`FileStore`] wraps the `object_store` crate, so that a local folder (the default) and an
//! S3-compatible service (MinIO, OSS, COS, AWS) are one setting apart. The database keeps the key,
//! the checked type and the sender's (sanitised) name; the store keeps only bytes under the key.
//! Keys come from [`new_key`] and are random: a sender's file name never becomes part of a path.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use stationhub_domain::DomainError;

use crate::StoreError;

/// Where uploaded files are kept.
#[derive(Debug, Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
}

impl FileStore {
    /// Files in a folder of this machine; the folder is created if missing.
    pub fn local(dir: &Path) -> Result<FileStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Files(format!("cannot create the folder {}: {e}", dir.display()))
        })?;
        // Materials are written once and must survive a crash right after the upload.
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(files_error)?
            .with_fsync(true);
        Ok(FileStore {
            inner: Arc::new(store),
        })
    }

    /// The store a setting names:
    ///
    /// - `s3://bucket` or `s3://bucket/prefix`: an S3-compatible service (MinIO, OSS, COS, AWS),
    ///   configured from the `AWS_*` variables of the environment (see `s3_settings`).
    /// - `file:///some/folder`: that local folder.
    /// - anything else, `file://` or empty: the local folder `data_dir`.
    pub fn from_url(url: &str, data_dir: &Path) -> Result<FileStore, StoreError> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("s3://") {
            let vars: BTreeMap<String, String> = std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| k.starts_with("AWS_"))
                .collect();
            return FileStore::s3(url, rest, &vars);
        }
        match url.strip_prefix("file://") {
            Some(dir) if !dir.is_empty() => FileStore::local(Path::new(dir)),
            Some(_) => FileStore::local(data_dir),
            None => {
                if !url.is_empty() {
                    tracing::warn!(%url, dir = %data_dir.display(), "unknown file store URL, using the local folder");
                }
                FileStore::local(data_dir)
            }
        }
    }

    /// `s3://{rest}` with the given `AWS_*` variables.
    fn s3(url: &str, rest: &str, vars: &BTreeMap<String, String>) -> Result<FileStore, StoreError> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StoreError::Files(format!(
                "no bucket in the file store URL {url:?}: use s3://BUCKET or s3://BUCKET/PREFIX"
            )));
        }
        let s3 = s3_settings(bucket, vars)?
            .build()
            .map_err(|e| StoreError::Files(format!("S3 settings for {url:?}: {e}")))?;
        let prefix = prefix.trim_matches('/');
        let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            let prefix = ObjectPath::parse(prefix).map_err(|e| {
                StoreError::Files(format!("bad prefix in the file store URL {url:?}: {e}"))
            })?;
            Arc::new(PrefixStore::new(s3, prefix))
        };
        tracing::info!(bucket, prefix, endpoint = %endpoint_of(vars).unwrap_or("AWS"), "uploaded files in S3");
        Ok(FileStore { inner })
    }

    /// Stores `bytes` under `key` (from [`new_key`]), replacing what was there.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        let path = object_path(key)?;
        self.inner
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(files_error)?;
        Ok(())
    }

    /// The bytes under `key`; a missing object is "文件不存在或无权查看" (404).
    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        let path = object_path(key)?;
        let found = self.inner.get(&path).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => {
                StoreError::Domain(DomainError::NotFound("文件".into()))
            }
            e => files_error(e),
        })?;
        found.bytes().await.map_err(files_error)
    }

    /// Removes the object under `key`; removing a missing one is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = object_path(key)?;
        match self.inner.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(files_error(e)),
        }
    }
}

/// The endpoint the variables name: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else
/// `AWS_ENDPOINT` (unset or empty: AWS itself).
fn endpoint_of(vars: &BTreeMap<String, String>) -> Option<&str> {
    ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
        .iter()
        .filter_map(|k| vars.get(*k))
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
}

/// The S3 client settings for `bucket` from the `AWS_*` variables, as
/// [`AmazonS3Builder::from_env`] reads them (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, `AWS_REGION` or `AWS_DEFAULT_REGION`, …), plus what an S3-compatible
/// service in a data centre needs:
///
/// - the endpoint is `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL` or `AWS_ENDPOINT` (first set wins),
///   `http(s)://HOST[:PORT]`;
/// - requests are path-style (`ENDPOINT/BUCKET/KEY`, MinIO) unless
///   `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true` (`BUCKET.HOST/KEY`, OSS, COS); then the bucket is put
///   in front of the endpoint's host unless it is there already;
/// - plain HTTP: `AWS_ALLOW_HTTP=true|false` decides; unset, it is allowed only to a loopback
///   endpoint (`http://127.0.0.1:9000`, `http://localhost:9000`), and any other `http://`
///   endpoint is refused here, at start-up, rather than on the first upload.
fn s3_settings(
    bucket: &str,
    vars: &BTreeMap<String, String>,
) -> Result<AmazonS3Builder, StoreError> {
    let mut builder = AmazonS3Builder::new();
    // In name order, so that AWS_REGION comes after (and wins over) AWS_DEFAULT_REGION.
    for (key, value) in vars {
        if matches!(
            key.as_str(),
            "AWS_ENDPOINT_URL_S3" | "AWS_ENDPOINT_URL" | "AWS_ENDPOINT" | "AWS_ALLOW_HTTP"
        ) {
            continue;
        }
        if value.trim().is_empty() {
            continue;
        }
        if let Ok(config_key) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
            builder = builder.with_config(config_key, value.trim());
        }
    }
    builder = builder.with_bucket_name(bucket);

    let allow_http = match vars
        .get("AWS_ALLOW_HTTP")
        .map(|v| v.trim().to_ascii_lowercase())
    {
        None => None,
        Some(v) if v.is_empty() => None,
        Some(v) => match v.as_str() {
            "1" | "true" | "on" | "yes" | "y" => Some(true),
            "0" | "false" | "off" | "no" | "n" => Some(false),
            _ => {
                return Err(StoreError::Files(format!(
                    "AWS_ALLOW_HTTP={v:?}: use true or false"
                )));
            }
        },
    };
    let Some(endpoint) = endpoint_of(vars) else {
        return Ok(builder.with_allow_http(allow_http.unwrap_or(false)));
    };
    let endpoint = endpoint.trim_end_matches('/');
    let lower = endpoint.to_ascii_lowercase();
    let (scheme, rest) = if lower.starts_with("https://") {
        ("https://", &endpoint["https://".len()..])
    } else if lower.starts_with("http://") {
        ("http://", &endpoint["http://".len()..])
    } else {
        return Err(StoreError::Files(format!(
            "the S3 endpoint {endpoint:?} is not http(s)://HOST[:PORT]"
        )));
    };
    let host = host_of(rest);
    if host.is_empty() {
        return Err(StoreError::Files(format!(
            "no host in the S3 endpoint {endpoint:?}"
        )));
    }
    if scheme == "http://" {
        match allow_http {
            Some(false) => {
                return Err(StoreError::Files(format!(
                    "the S3 endpoint {endpoint:?} is plain HTTP but AWS_ALLOW_HTTP=false"
                )));
            }
            None if !is_loopback(host) => {
                return Err(StoreError::Files(format!(
                    "the S3 endpoint {endpoint:?} is plain HTTP: files would cross the network \
                     unencrypted. Use https://, or set AWS_ALLOW_HTTP=true to allow it"
                )));
            }
            _ => builder = builder.with_allow_http(true),
        }
    } else {
        builder = builder.with_allow_http(allow_http.unwrap_or(false));
    }

    let virtual_hosted = builder
        .get_config_value(&AmazonS3ConfigKey::VirtualHostedStyleRequest)
        .is_some_and(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "1" | "true" | "on" | "yes" | "y"
            )
        });
    let endpoint = if virtual_hosted
        && !host.eq_ignore_ascii_case(bucket)
        && !host
            .to_ascii_lowercase()
            .starts_with(&format!("{}.", bucket.to_ascii_lowercase()))
    {
        format!("{scheme}{bucket}.{rest}")
    } else {
        format!("{scheme}{rest}")
    };
    Ok(builder.with_endpoint(endpoint))
}

/// The host of `HOST[:PORT][/…]` (user info dropped; `[::1]` keeps its brackets).
fn host_of(authority_and_path: &str) -> &str {
    let authority = authority_and_path
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if authority.starts_with('[') {
        authority
            .find(']')
            .map_or(authority, |end| &authority[..=end])
    } else {
        authority.split(':').next().unwrap_or_default()
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A new, unguessable key: `{prefix}/{yyyy}/{mm}/{32 random hex digits}`, e.g.
/// `materials/2024/05/3f9c…`. The month keeps folders small; the random part (128 bits) makes
/// keys impossible to guess and never collide.
/// What is recorded of a stored file: its name as uploaded, its type, size and sha256, and its
/// key in the file store. Every attach use case takes one.
#[derive(Debug, Clone, Copy)]
pub struct FileMeta<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub key: &'a str,
}

pub fn new_key(prefix: &str) -> String {
    let now = chrono::Utc::now();
    let random: [u8; 16] = rand::random();
    format!(
        "{}/{}/{}",
        prefix.trim_matches('/'),
        now.format("%Y/%m"),
        hex::encode(random)
    )
}

/// The key as an object path; a key with `..`, empty or otherwise bad segments is refused (keys
/// come from [`new_key`], so this is a bug, not a user's mistake).
fn object_path(key: &str) -> Result<ObjectPath, StoreError> {
    let path = ObjectPath::parse(key)
        .map_err(|e| StoreError::Files(format!("bad file key {key:?}: {e}")))?;
    if path.as_ref().is_empty() {
        return Err(StoreError::Files("empty file key".into()));
    }
    Ok(path)
}

fn files_error(e: object_store::Error) -> StoreError {
    StoreError::Files(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_delete_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::local(&dir.path().join("files")).unwrap();
        let key = new_key("materials");
        let bytes = Bytes::from_static(b"%PDF-1.7 \xE7\x94\xB3\xE6\x8A\xA5\xE4\xB9\xA6");

        store.put(&key, bytes.clone()).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), bytes);
        // The bytes are a file under the folder, at the key.
        assert!(dir.path().join("files").join(&key).is_file());

        // Putting again replaces.
        store.put(&key, Bytes::from_static(b"v2")).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), Bytes::from_static(b"v2"));

        store.delete(&key).await.unwrap();
        assert!(matches!(
            store.get(&key).await,
            Err(StoreError::Domain(DomainError::NotFound(_)))
        ));
        // Deleting again is fine.
        store.delete(&key).await.unwrap();
    }

    #[tokio::test]
    async fn a_missing_key_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::local(dir.path()).unwrap();
        let err = store.get(&new_key("materials")).await.unwrap_err();
        match err {
            StoreError::Domain(e) => {
                assert_eq!(e, DomainError::NotFound("文件".into()));
                assert_eq!(e.to_string(), "文件不存在或无权查看");
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn bad_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::local(&dir.path().join("files")).unwrap();
        for key in ["../outside", "a/../../b", "", "a//b"] {
            assert!(
                matches!(
                    store.put(key, Bytes::from_static(b"x")).await,
                    Err(StoreError::Files(_))
                ),
                "{key:?}"
            );
        }
        assert!(!dir.path().join("outside").exists());
    }

    #[tokio::test]
    async fn from_url_defaults_to_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        for url in ["", "file://"] {
            let store = FileStore::from_url(url, dir.path()).unwrap();
            store.put("k/1", Bytes::from_static(b"x")).await.unwrap();
            assert!(dir.path().join("k/1").is_file(), "{url:?}");
        }
        let other = dir.path().join("elsewhere");
        let url = format!("file://{}", other.display());
        let store = FileStore::from_url(&url, dir.path()).unwrap();
        store.put("k/2", Bytes::from_static(b"x")).await.unwrap();
        assert!(other.join("k/2").is_file());
    }

    #[test]
    fn from_url_s3() {
        // Building the client reads the environment but does not connect.
        let dir = tempfile::tempdir().unwrap();
        assert!(FileStore::from_url("s3://stationhub/materials", dir.path()).is_ok());
        assert!(FileStore::from_url("s3://stationhub", dir.path()).is_ok());
        assert!(matches!(
            FileStore::from_url("s3:///prefix", dir.path()),
            Err(StoreError::Files(_))
        ));
        // Nothing was created locally.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn setting(builder: &AmazonS3Builder, key: AmazonS3ConfigKey) -> Option<String> {
        builder.get_config_value(&key)
    }

    fn allow_http() -> AmazonS3ConfigKey {
        AmazonS3ConfigKey::Client(object_store::ClientConfigKey::AllowHttp)
    }

    #[test]
    fn s3_endpoint_region_and_credentials_come_from_the_aws_variables() {
        let b = s3_settings(
            "materials",
            &vars(&[
                ("AWS_ENDPOINT", "https://ignored.example"),
                ("AWS_ENDPOINT_URL", "https://minio.example.org:9000/"),
                ("AWS_ACCESS_KEY_ID", "key"),
                ("AWS_SECRET_ACCESS_KEY", "secret"),
                ("AWS_DEFAULT_REGION", "us-west-1"),
                ("AWS_REGION", "cn-central-1"),
                ("AWS_PROFILE", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::Endpoint).as_deref(),
            Some("https://minio.example.org:9000")
        );
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::Bucket).as_deref(),
            Some("materials")
        );
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::Region).as_deref(),
            Some("cn-central-1")
        );
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::AccessKeyId).as_deref(),
            Some("key")
        );
        assert_eq!(setting(&b, allow_http()).as_deref(), Some("false"));
        assert!(b.build().is_ok());

        // AWS_ENDPOINT_URL_S3 wins; AWS_ENDPOINT alone works too.
        let b = s3_settings(
            "m",
            &vars(&[
                ("AWS_ENDPOINT_URL", "https://a.example"),
                ("AWS_ENDPOINT_URL_S3", "https://s3.example"),
            ]),
        )
        .unwrap();
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::Endpoint).as_deref(),
            Some("https://s3.example")
        );
        let b = s3_settings("m", &vars(&[("AWS_ENDPOINT", "https://b.example")])).unwrap();
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::Endpoint).as_deref(),
            Some("https://b.example")
        );
        // No endpoint: AWS itself.
        let b = s3_settings("m", &vars(&[])).unwrap();
        assert_eq!(setting(&b, AmazonS3ConfigKey::Endpoint), None);
        assert!(b.build().is_ok());
    }

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        for endpoint in [
            "http://127.0.0.1:5000",
            "http://localhost:9000/",
            "HTTP://[::1]:9000",
        ] {
            let b = s3_settings("m", &vars(&[("AWS_ENDPOINT_URL", endpoint)])).unwrap();
            assert_eq!(
                setting(&b, allow_http()).as_deref(),
                Some("true"),
                "{endpoint}"
            );
        }
        let err =
            s3_settings("m", &vars(&[("AWS_ENDPOINT_URL", "http://10.0.0.5:9000")])).unwrap_err();
        assert!(err.to_string().contains("AWS_ALLOW_HTTP=true"), "{err}");
        // A look-alike is not loopback.
        assert!(
            s3_settings(
                "m",
                &vars(&[("AWS_ENDPOINT_URL", "http://127.0.0.1.example.org")])
            )
            .is_err()
        );
        let b = s3_settings(
            "m",
            &vars(&[
                ("AWS_ENDPOINT_URL", "http://minio.lan:9000"),
                ("AWS_ALLOW_HTTP", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(setting(&b, allow_http()).as_deref(), Some("true"));
        assert!(b.build().is_ok());
        let err = s3_settings(
            "m",
            &vars(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
                ("AWS_ALLOW_HTTP", "false"),
            ]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("AWS_ALLOW_HTTP=false"), "{err}");
        assert!(s3_settings("m", &vars(&[("AWS_ALLOW_HTTP", "maybe")])).is_err());
        for bad in ["minio:9000", "ftp://minio", "https://", "https:///x"] {
            assert!(
                s3_settings("m", &vars(&[("AWS_ENDPOINT_URL", bad)])).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn virtual_hosted_style_puts_the_bucket_in_the_host() {
        let b = s3_settings(
            "materials",
            &vars(&[
                ("AWS_ENDPOINT_URL", "https://oss-cn-hangzhou.aliyuncs.com"),
                ("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::Endpoint).as_deref(),
            Some("https://materials.oss-cn-hangzhou.aliyuncs.com")
        );
        assert!(b.build().is_ok());
        // Already there: kept.
        let b = s3_settings(
            "materials",
            &vars(&[
                (
                    "AWS_ENDPOINT_URL",
                    "https://materials.cos.ap-guangzhou.myqcloud.com",
                ),
                ("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::Endpoint).as_deref(),
            Some("https://materials.cos.ap-guangzhou.myqcloud.com")
        );
        // Path style (the default): the endpoint as given.
        let b = s3_settings(
            "materials",
            &vars(&[("AWS_ENDPOINT_URL", "https://minio.example.org")]),
        )
        .unwrap();
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::VirtualHostedStyleRequest).as_deref(),
            Some("false")
        );
        assert_eq!(
            setting(&b, AmazonS3ConfigKey::Endpoint).as_deref(),
            Some("https://minio.example.org")
        );
    }

    #[test]
    fn keys_are_random_and_dated() {
        let key = new_key("materials");
        let parts: Vec<&str> = key.split('/').collect();
        assert_eq!(parts.len(), 4, "{key}");
        assert_eq!(parts[0], "materials");
        assert_eq!(parts[1].len(), 4);
        assert!(parts[1].parse::<u32>().unwrap() >= 2024);
        assert!((1..=12).contains(&parts[2].parse::<u32>().unwrap()));
        assert_eq!(parts[2].len(), 2);
        assert_eq!(parts[3].len(), 32);
        assert!(parts[3].chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(new_key("materials"), new_key("materials"));
        assert!(new_key("/a/").starts_with("a/"));
    }

    /// The store's futures are `Send`, so that web handlers can await them.
    #[test]
    fn futures_are_send() {
        fn send<T: Send>(_: &T) {}
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::local(dir.path()).unwrap();
        send(&store.put("a", Bytes::new()));
        send(&store.get("a"));
        send(&store.delete("a"));
    }
}
