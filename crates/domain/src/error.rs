//! The domain's errors. One enum, each variant a refusal a person can read (in Chinese), with a
//! stable machine code and, where a rule of the measures is the reason, the article it cites.
//! The web crate maps [`ErrorKind`] to HTTP status once.

/// What sort of refusal an error is; the adapters map it to a status code or a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed input (400).
    BadInput,
    /// Not signed in, or the session ended (401).
    Unauthenticated,
    /// Signed in but not allowed (403).
    Forbidden,
    /// No such record, or not visible to this user (404).
    NotFound,
    /// A rule of the measures or the current state forbids it (409).
    Conflict,
    /// Well-formed but unacceptable values (422).
    Unprocessable,
    /// Too many attempts (429).
    TooMany,
    /// An uploaded file over the size limit (413).
    PayloadTooLarge,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("用户名或密码错误")]
    WrongCredentials,
    #[error("账户因连续 {failures} 次密码错误已被锁定，请于 {until} 后再试，或联系系统管理员解锁")]
    AccountLocked { failures: u32, until: String },
    #[error("登录尝试过于频繁，请稍后再试")]
    TooManySignIns,
    #[error("提交过于频繁，请稍后再试")]
    TooManyRequests,
    #[error("账户已停用，请联系系统管理员")]
    AccountDisabled,
    #[error("登录已失效或已超时，请重新登录")]
    Unauthenticated,
    #[error("首次登录须先修改密码")]
    PasswordChangeRequired,
    #[error("密码不符合要求：{0}")]
    WeakPassword(String),
    #[error("当前密码不正确")]
    WrongCurrentPassword,
    #[error("新密码不能与当前密码相同")]
    PasswordUnchanged,
    #[error("无权执行此操作")]
    Forbidden,
    #[error("表单已失效（安全校验未通过），请刷新页面后重试")]
    CsrfMismatch,
    #[error("{0}不存在或无权查看")]
    NotFound(String),
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    /// Several fields are wrong; each message is shown beside its field.
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("；"))]
    Fields(Vec<FieldError>),
    /// The application breaks rules of the measures; every broken rule, each with its article.
    #[error("{}", .0.iter().map(|v| format!("{}（{}）", v.message, v.article)).collect::<Vec<_>>().join("；"))]
    Ineligible(Vec<crate::application::Violation>),
    /// A rule of the measures refuses the action; `article` is cited, e.g. "第七条（六）".
    #[error("{message}（{article}）")]
    Rule {
        code: &'static str,
        article: &'static str,
        message: String,
    },
    /// The measures give this action to someone else (403): `article` says to whom, e.g.
    /// "第十四条" (the station's host unit or its society). Unlike [`DomainError::Rule`] it
    /// does not depend on the record's state: who asks may never do it.
    #[error("{message}（{article}）")]
    NotPermitted {
        code: &'static str,
        article: &'static str,
        message: String,
    },
    #[error("文件过大：{size_mb} MB，单个文件不能超过 20 MB")]
    FileTooLarge { size_mb: String },
}

/// One bad field of a form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        use DomainError::*;
        match self {
            WrongCredentials | Unauthenticated => ErrorKind::Unauthenticated,
            AccountLocked { .. } | TooManySignIns | TooManyRequests => ErrorKind::TooMany,
            AccountDisabled
            | PasswordChangeRequired
            | Forbidden
            | CsrfMismatch
            | NotPermitted { .. } => ErrorKind::Forbidden,
            WeakPassword(_)
            | WrongCurrentPassword
            | PasswordUnchanged
            | Invalid { .. }
            | Fields(_) => ErrorKind::Unprocessable,
            NotFound(_) => ErrorKind::NotFound,
            Conflict(_) | Rule { .. } | Ineligible(_) => ErrorKind::Conflict,
            FileTooLarge { .. } => ErrorKind::PayloadTooLarge,
        }
    }

    /// The stable machine code of the JSON error (SPEC §5.1).
    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            WrongCredentials => "wrong_credentials",
            AccountLocked { .. } => "account_locked",
            TooManySignIns => "too_many_attempts",
            TooManyRequests => "too_many_requests",
            AccountDisabled => "account_disabled",
            Unauthenticated => "unauthenticated",
            PasswordChangeRequired => "password_change_required",
            WeakPassword(_) => "weak_password",
            WrongCurrentPassword => "wrong_current_password",
            PasswordUnchanged => "password_unchanged",
            Forbidden => "forbidden",
            CsrfMismatch => "csrf_mismatch",
            NotFound(_) => "not_found",
            Invalid { .. } | Fields(_) => "invalid",
            Ineligible(v) => v.first().map(|v| v.code).unwrap_or("ineligible"),
            Conflict(_) => "conflict",
            Rule { code, .. } | NotPermitted { code, .. } => code,
            FileTooLarge { .. } => "file_too_large",
        }
    }

    /// The article of the measures (or of 等保 2.0) the refusal rests on, if any.
    pub fn article(&self) -> Option<&'static str> {
        match self {
            DomainError::Rule { article, .. } | DomainError::NotPermitted { article, .. } => {
                Some(article)
            }
            DomainError::Ineligible(v) => v.first().map(|v| v.article),
            _ => None,
        }
    }

    /// Every bad field with its message (for forms that show each beside its field).
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            DomainError::Fields(f) => f.clone(),
            DomainError::Ineligible(v) => v
                .iter()
                .map(|v| FieldError {
                    field: v.field.to_string(),
                    message: format!("{}（{}）", v.message, v.article),
                })
                .collect(),
            DomainError::Invalid { field, message } => vec![FieldError {
                field: field.clone(),
                message: message.clone(),
            }],
            other => other
                .field()
                .map(|f| {
                    vec![FieldError {
                        field: f.to_string(),
                        message: other.to_string(),
                    }]
                })
                .unwrap_or_default(),
        }
    }

    /// The field the refusal concerns, for forms that show it beside the field.
    pub fn field(&self) -> Option<&str> {
        match self {
            DomainError::Invalid { field, .. } => Some(field),
            DomainError::FileTooLarge { .. } => Some("file"),
            DomainError::Fields(f) => f.first().map(|f| f.field.as_str()),
            DomainError::Ineligible(v) => v.first().map(|v| v.field),
            DomainError::WeakPassword(_) | DomainError::PasswordUnchanged => Some("new_password"),
            DomainError::WrongCurrentPassword => Some("current_password"),
            _ => None,
        }
    }
}
