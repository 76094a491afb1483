//! The uploaded-file store: the bytes of application materials, kept apart from the database.
//!
//! [`FileStore`] wraps the `object_store` crate, so that a local folder (the default) and an
//! S3-compatible service (MinIO, OSS, COS, AWS) are one setting apart. The database keeps the key,
//! the checked type and the sender's (sanitised) name; the store keeps only bytes under the key.
//! Keys come from [`new_key`] and are random: a sender's file name never becomes part of a path.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
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
    /// - `s3://bucket` or `s3://bucket/prefix`: an S3-compatible service, configured from the
    ///   environment (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    ///   `AWS_REGION`, …); plain HTTP is allowed when the endpoint is `http://`.
    /// - `file:///some/folder`: that local folder.
    /// - anything else, `file://` or empty: the local folder `data_dir`.
    pub fn from_url(url: &str, data_dir: &Path) -> Result<FileStore, StoreError> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(StoreError::Files(format!(
                    "no bucket in the file store URL {url:?}: use s3://BUCKET or s3://BUCKET/PREFIX"
                )));
            }
            let http_endpoint = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT"].iter().any(|var| {
                std::env::var(var)
                    .is_ok_and(|v| v.trim().to_ascii_lowercase().starts_with("http://"))
            });
            let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
            if http_endpoint {
                builder = builder.with_allow_http(true);
            }
            let s3 = builder.build().map_err(files_error)?;
            let prefix = prefix.trim_matches('/');
            let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
                Arc::new(s3)
            } else {
                let prefix = ObjectPath::parse(prefix).map_err(|e| {
                    StoreError::Files(format!("bad prefix in the file store URL {url:?}: {e}"))
                })?;
                Arc::new(PrefixStore::new(s3, prefix))
            };
            return Ok(FileStore { inner });
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

/// A new, unguessable key: `{prefix}/{yyyy}/{mm}/{32 random hex digits}`, e.g.
/// `materials/2024/05/3f9c…`. The month keeps folders small; the random part (128 bits) makes
/// keys impossible to guess and never collide.
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
