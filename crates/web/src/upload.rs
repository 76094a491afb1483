//! Receiving an uploaded file: reading the multipart body, checking size and type by content
//! (the domain's `upload` rules), storing the bytes under a fresh key, and removing them again
//! when the record that should point at them is refused. Materials, seals and vouchers share it.

use std::collections::HashMap;
use std::future::Future;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use stationhub_domain::DomainError;
use stationhub_domain::upload::{FileType, MAX_UPLOAD_BYTES, check_size, safe_filename, sniff};
use stationhub_storage::StoreError;
use stationhub_storage::files::new_key;

use crate::AppState;
use crate::error::ApiError;

/// The text fields of a multipart body and its `file`, if any.
pub struct Received {
    pub fields: HashMap<String, String>,
    pub file: Option<CheckedFile>,
}

/// A file that passed the size and content checks.
pub struct CheckedFile {
    pub name: String,
    pub bytes: Bytes,
    pub ty: FileType,
    pub sha256: String,
}

/// What the record of a stored file needs.
pub struct StoredFile {
    pub name: String,
    pub mime: &'static str,
    pub size: i64,
    pub sha256: String,
    pub key: String,
}

impl StoredFile {
    /// What storage records of it.
    pub fn meta(&self) -> stationhub_storage::files::FileMeta<'_> {
        stationhub_storage::files::FileMeta {
            name: &self.name,
            content_type: self.mime,
            size: self.size,
            sha256: &self.sha256,
            key: &self.key,
        }
    }
}

fn multipart_error(e: &MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        DomainError::FileTooLarge {
            size_mb: format!("超过 {}", MAX_UPLOAD_BYTES / 1024 / 1024),
        }
        .into()
    } else {
        ApiError::bad_request(format!("上传内容无法解析：{}", e.body_text()))
    }
}

/// Reads every part: text fields by name, and the part named `file` (checked).
pub async fn receive(mut multipart: Multipart) -> Result<Received, ApiError> {
    let mut fields = HashMap::new();
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?
    {
        let Some(name) = field.name().map(str::to_string) else {
            continue;
        };
        if name == "file" {
            let filename = safe_filename(field.file_name().unwrap_or("file"));
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
            // A form sent without choosing a file has an empty `file` part: nothing chosen.
            if bytes.is_empty() {
                continue;
            }
            check_size(bytes.len() as u64)?;
            let ty = sniff(&bytes, &filename)?;
            file = Some(CheckedFile {
                sha256: hex::encode(Sha256::digest(&bytes)),
                name: filename,
                bytes,
                ty,
            });
        } else {
            let text = field.text().await.map_err(|e| multipart_error(&e))?;
            if text.contains('\0') {
                return Err(crate::extract::nul_refusal());
            }
            fields.insert(name, text);
        }
    }
    Ok(Received { fields, file })
}

impl Received {
    /// The file, or a refusal naming what is missing.
    pub fn file(self, missing: &str) -> Result<(HashMap<String, String>, CheckedFile), ApiError> {
        match self.file {
            Some(f) => Ok((self.fields, f)),
            None => Err(DomainError::invalid("file", missing).into()),
        }
    }
}

impl CheckedFile {
    /// A file this server made (an export), of a known type.
    pub fn made(name: String, bytes: Bytes, ty: FileType) -> CheckedFile {
        CheckedFile {
            sha256: hex::encode(Sha256::digest(&bytes)),
            name,
            bytes,
            ty,
        }
    }

    /// Stores the bytes under a new key of `prefix` and runs `record`; if the record is
    /// refused, the bytes are removed again, so nothing is kept of a refused upload.
    pub async fn store<F, Fut>(
        self,
        app: &AppState,
        prefix: &str,
        record: F,
    ) -> Result<i64, ApiError>
    where
        F: FnOnce(StoredFile) -> Fut,
        Fut: Future<Output = Result<i64, StoreError>>,
    {
        let key = new_key(prefix);
        let size = self.bytes.len() as i64;
        app.files.put(&key, self.bytes).await?;
        let stored = StoredFile {
            name: self.name,
            mime: self.ty.mime(),
            size,
            sha256: self.sha256,
            key: key.clone(),
        };
        match record(stored).await {
            Ok(id) => Ok(id),
            Err(e) => {
                let _ = app.files.delete(&key).await;
                Err(e.into())
            }
        }
    }
}
