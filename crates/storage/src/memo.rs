//! Reads answered from memory while nothing has changed.
//!
//! Every change to the records is written with its audit entry in the same transaction, and the
//! audit chain's head (`audit_head.seq`) only grows, one entry at a time, in commit order (the
//! entries take their turn under the `AUDIT` lock). So the head's number — the [`ChangeNo`] —
//! names a state of the records: two reads that begin at the same number read the same records.
//!
//! A request learns the number once, together with its session ([`Store::session`]), or with
//! [`Store::change_no`] when nobody is signed in. [`Store::memo`] then answers a read from
//! memory when the same read was made at that very number, and runs it otherwise. Nothing that
//! matters lives here: each server keeps its own memo, every entry is checked against the
//! database's number on each request, and a server that has just committed a change of its own
//! reads afresh until a request brings the new number. Only reads of records go through
//! [`Store::memo`] — never jobs, exports or inboxes, which change without an audit entry.
//! Sessions are the one exception, kept by [`Store::session`] under its own rule: their
//! `last_seen_at` changes without an entry, so a kept session is only used within a minute of
//! being read from the database.
//!
//! The memo holds answers up to a budget of bytes (each answer [`Weigh`]s itself; the least
//! recently used go first); a budget of 0 turns it off.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use hashlink::LruCache;

use crate::Store;

/// The audit chain's length as a request saw it when it began (0 for an empty chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChangeNo(pub i64);

impl ChangeNo {
    /// For reads that must not be answered from memory (e.g. a write's own checks).
    pub const UNKNOWN: ChangeNo = ChangeNo(-1);
}

type Answer = Arc<dyn Any + Send + Sync>;

/// What an answer kept in the memo costs in memory, roughly, in bytes (its key aside).
pub trait Weigh {
    fn weigh(&self) -> usize;
}

impl Weigh for bytes::Bytes {
    fn weigh(&self) -> usize {
        self.len()
    }
}

/// A page of records weighs about as much as its JSON (counted, not written).
impl<T: serde::Serialize> Weigh for crate::Page<T> {
    fn weigh(&self) -> usize {
        struct Count(usize);
        impl std::io::Write for Count {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0 += buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut count = Count(0);
        // A page that cannot be counted is taken as large (and so soon let go).
        match serde_json::to_writer(&mut count, self) {
            Ok(()) => count.0,
            Err(_) => usize::MAX / 4,
        }
    }
}

struct Kept {
    at: ChangeNo,
    weight: usize,
    answer: Answer,
}

struct Answers {
    lru: LruCache<String, Kept>,
    /// The sum of the kept answers' weights and their keys' lengths.
    bytes: usize,
}

pub(crate) struct Memo {
    /// The budget in bytes.
    capacity: usize,
    answers: Mutex<Answers>,
    /// The newest audit entry this process has committed: a request that began before it reads
    /// the database, so that a change is seen at once by the request (or the next one) that
    /// made it.
    written: AtomicI64,
    /// The requests waiting for the head's number (see [`HeadReads`]).
    pub(crate) heads: HeadReads,
    /// Reads under way (see [`Flights`]).
    flights: Flights,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How often the memo answered (for `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemoStats {
    /// Answers kept now, and the bytes they take (roughly).
    pub entries: usize,
    pub bytes: usize,
    /// The budget in bytes.
    pub capacity: usize,
    pub hits: u64,
    pub misses: u64,
    /// Requests that asked for the audit chain's head, and the reads of it that answered them.
    pub head_asked: u64,
    pub head_reads: u64,
}

impl Memo {
    pub(crate) fn new(capacity: usize) -> Memo {
        Memo {
            capacity,
            answers: Mutex::new(Answers {
                lru: LruCache::new_unbounded(),
                bytes: 0,
            }),
            written: AtomicI64::new(0),
            heads: HeadReads::default(),
            flights: Flights::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// A transaction of this process committed the audit entry `seq`.
    pub(crate) fn wrote(&self, seq: i64) {
        self.written.fetch_max(seq, Ordering::AcqRel);
    }

    /// Whether answers are kept at all.
    pub(crate) fn on(&self) -> bool {
        self.capacity > 0
    }

    fn usable(&self, seen: ChangeNo) -> bool {
        self.on() && seen.0 >= 0 && seen.0 >= self.written.load(Ordering::Acquire)
    }

    /// The answer kept for `key` at `seen`, if any (and if `seen` is not older than a change
    /// this process made).
    pub(crate) fn recall<T: Clone + 'static>(&self, seen: ChangeNo, key: &str) -> Option<T> {
        if !self.usable(seen) {
            return None;
        }
        let mut answers = self.answers.lock().ok()?;
        let hit = match answers.lru.get(key) {
            Some(kept) if kept.at == seen => kept.answer.downcast_ref::<T>().cloned(),
            _ => None,
        };
        let counter = if hit.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        hit
    }

    fn stats(&self) -> MemoStats {
        let (entries, bytes) = self
            .answers
            .lock()
            .map_or((0, 0), |a| (a.lru.len(), a.bytes));
        MemoStats {
            entries,
            bytes,
            capacity: self.capacity,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            head_asked: self.heads.asked.load(Ordering::Relaxed),
            head_reads: self.heads.read.load(Ordering::Relaxed),
        }
    }

    fn forget(&self) {
        if let Ok(mut answers) = self.answers.lock() {
            answers.lru.clear();
            answers.bytes = 0;
        }
    }

    /// Keeps `value` as the answer for `key` at `seen`, letting the least recently used
    /// answers go while the budget is exceeded (an answer larger than the whole budget is not
    /// kept).
    pub(crate) fn keep<T: Weigh + Send + Sync + 'static>(
        &self,
        seen: ChangeNo,
        key: String,
        value: T,
    ) {
        if !self.usable(seen) {
            return;
        }
        let weight = value.weigh().saturating_add(key.len());
        if weight > self.capacity {
            return;
        }
        let Ok(mut answers) = self.answers.lock() else {
            return;
        };
        let kept = Kept {
            at: seen,
            weight,
            answer: Arc::new(value),
        };
        if let Some(old) = answers.lru.insert(key, kept) {
            answers.bytes -= old.weight;
        }
        answers.bytes += weight;
        while answers.bytes > self.capacity {
            match answers.lru.remove_lru() {
                Some((_, gone)) => answers.bytes -= gone.weight,
                None => break,
            }
        }
    }
}

/// Requests that want the head's number, shared out over as few reads as can serve them.
///
/// A request may only be given a number read by a query that *began after it asked*: then the
/// number covers every change committed before the request arrived, exactly as a read of its
/// own would. So at most one read runs at a time; the requests that ask while it runs wait
/// for the next one, which begins as soon as the current one ends and answers all of them.
/// Under load one read serves dozens of requests; alone, a request waits for its own read
/// as before. Only the waiting requests are held here, never a number.
#[derive(Default)]
pub(crate) struct HeadReads {
    state: Mutex<HeadState>,
    /// Requests that asked, and the reads that answered them (for `/metrics`).
    asked: AtomicU64,
    read: AtomicU64,
}

/// Takes a lock even if a panic elsewhere poisoned it: the states of [`HeadReads`] and
/// [`Flights`] change only by a push, a take, an insert, a remove or a flag, never half-made.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl HeadReads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HeadState> {
        lock(&self.state)
    }
}

#[derive(Default)]
struct HeadState {
    /// A task is reading (or about to read) for the requests waiting.
    reading: bool,
    /// Those who asked since the current read began; `None` sent means "read it yourself".
    waiting: Vec<tokio::sync::oneshot::Sender<Option<ChangeNo>>>,
}

/// Ends a reading task's turn however the task ends: if it is dropped half-way (the runtime
/// stopping), those waiting are let go to read for themselves and the next to ask starts anew.
struct Turn<'a> {
    reads: &'a HeadReads,
    ended: bool,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if !self.ended {
            let mut s = self.reads.lock();
            s.reading = false;
            s.waiting.clear();
        }
    }
}

impl Store {
    /// The audit chain's head now: read by a query that began after this call (see
    /// [`HeadReads`]), shared with the other requests that asked meanwhile.
    pub async fn change_no(&self) -> Result<ChangeNo, crate::StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.memo.heads.asked.fetch_add(1, Ordering::Relaxed);
        let lead = {
            let mut s = self.memo.heads.lock();
            s.waiting.push(tx);
            !std::mem::replace(&mut s.reading, true)
        };
        if lead {
            let store = self.clone();
            tokio::spawn(async move { store.read_heads().await });
        }
        match rx.await {
            Ok(Some(n)) => Ok(n),
            // The shared read failed or was abandoned: read alone, and report its own error.
            _ => self.read_change_no().await,
        }
    }

    /// Reads the head for each batch of waiting requests until none is left.
    async fn read_heads(self) {
        let reads = &self.memo.heads;
        let mut turn = Turn {
            reads,
            ended: false,
        };
        loop {
            let batch = {
                let mut s = reads.lock();
                let batch = std::mem::take(&mut s.waiting);
                if batch.is_empty() {
                    s.reading = false;
                    turn.ended = true;
                    return;
                }
                batch
            };
            // Every request of `batch` asked before this read begins.
            reads.read.fetch_add(1, Ordering::Relaxed);
            let n = self.read_change_no().await.ok();
            for tx in batch {
                let _ = tx.send(n);
            }
        }
    }

    /// The audit chain's head (one indexed read, its SQL the same on both databases).
    async fn read_change_no(&self) -> Result<ChangeNo, crate::StoreError> {
        use sea_orm::{ConnectionTrait, Statement};
        let db = self.db();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT seq FROM audit_head WHERE id = 1",
            ))
            .await?;
        Ok(ChangeNo(match row {
            Some(r) => r.try_get_by_index::<i64>(0)?,
            None => 0,
        }))
    }

    /// The memo's size and how often it answered.
    pub fn memo_stats(&self) -> MemoStats {
        self.memo.stats()
    }

    /// Forgets every kept answer: for when the database was changed behind the store's back
    /// (by hand, or by a test standing in for the passing of time).
    pub fn forget_memo(&self) {
        self.memo.forget();
    }

    /// `read`'s answer, from memory when the same `key` was read at `seen` (see the module's
    /// notes). `key` must name everything the answer depends on (who asks, as far as what they
    /// may see goes; the filters; the page; the day). Errors are never kept.
    pub async fn memo<T, E>(
        &self,
        seen: ChangeNo,
        key: String,
        read: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E>
    where
        T: Weigh + Clone + Send + Sync + 'static,
    {
        if !self.memo.usable(seen) {
            return read.await;
        }
        if let Some(hit) = self.memo.recall::<T>(seen, &key) {
            return Ok(hit);
        }
        let flights = &self.memo.flights;
        let turn = {
            let mut map = flights.lock();
            match map.get_mut(&key) {
                Some(f) if f.at == seen => {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    f.waiting.push(tx);
                    FlightTurn::Wait(rx)
                }
                // Another number's read is under way: this one is read alone.
                Some(_) => FlightTurn::Alone,
                None => {
                    map.insert(
                        key.clone(),
                        Flight {
                            at: seen,
                            waiting: Vec::new(),
                        },
                    );
                    FlightTurn::Lead(Leading {
                        flights,
                        key: key.clone(),
                    })
                }
            }
        };
        match turn {
            FlightTurn::Wait(rx) => {
                // Woken when the first read ends, however it ends.
                let _ = rx.await;
                if let Some(hit) = self.memo.recall::<T>(seen, &key) {
                    return Ok(hit);
                }
                read_and_keep(&self.memo, seen, key, read).await
            }
            FlightTurn::Alone => read_and_keep(&self.memo, seen, key, read).await,
            FlightTurn::Lead(leading) => {
                let value = read_and_keep(&self.memo, seen, key, read).await;
                drop(leading);
                value
            }
        }
    }
}

/// Runs `read` and keeps its answer. A change this process committed while the read ran
/// makes the answer too new for `seen`: harmless, but not kept (`keep` checks).
async fn read_and_keep<T, E>(
    memo: &Memo,
    seen: ChangeNo,
    key: String,
    read: impl Future<Output = Result<T, E>>,
) -> Result<T, E>
where
    T: Weigh + Clone + Send + Sync + 'static,
{
    let value = read.await?;
    memo.keep(seen, key, value.clone());
    Ok(value)
}

/// Reads of the memo under way, by key: the requests that want the same answer at the same
/// change number wait for the first one's read and take its kept answer, instead of each
/// running the same read (after a change, every request waiting on a busy list did).
#[derive(Default)]
pub(crate) struct Flights {
    map: Mutex<std::collections::HashMap<String, Flight>>,
}

impl Flights {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Flight>> {
        lock(&self.map)
    }
}

struct Flight {
    at: ChangeNo,
    /// Dropped when the read ends: each waiter wakes and looks in the memo.
    waiting: Vec<tokio::sync::oneshot::Sender<()>>,
}

enum FlightTurn<'a> {
    Lead(Leading<'a>),
    Wait(tokio::sync::oneshot::Receiver<()>),
    Alone,
}

/// The first reader's hold on its key: released when its read ends, or when the read is
/// dropped half-way (the client went away), so that nobody waits for a read no longer running.
struct Leading<'a> {
    flights: &'a Flights,
    key: String,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        self.flights.lock().remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Weigh for u32 {
        fn weigh(&self) -> usize {
            4
        }
    }
    impl Weigh for u8 {
        fn weigh(&self) -> usize {
            10
        }
    }

    /// Many requests at once share few reads of the head, and each is given a number read
    /// after it asked: one that asks after a change was committed sees it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_share_reads_of_the_head_and_none_gets_a_number_older_than_its_asking() {
        use sea_orm::{ConnectionTrait, Statement};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let set_head = |seq: i64| {
            Statement::from_string(
                store.db().get_database_backend(),
                format!(
                    "INSERT INTO audit_head (id, seq, hash) VALUES (1, {seq}, '') \
                     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq"
                ),
            )
        };
        let start = store.change_no().await.unwrap();
        let asks = 200;
        let tasks: Vec<_> = (0..asks)
            .map(|_| {
                let s = store.clone();
                tokio::spawn(async move { s.change_no().await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), start);
        }
        let stats = store.memo_stats();
        assert_eq!(stats.head_asked, asks + 1);
        assert!(stats.head_reads <= stats.head_asked);
        // A change committed, then asked for: never the old number, however busy the readers.
        for round in 1..=20i64 {
            let busy: Vec<_> = (0..20)
                .map(|_| {
                    let s = store.clone();
                    tokio::spawn(async move { s.change_no().await })
                })
                .collect();
            store
                .db()
                .execute_raw(set_head(start.0 + round))
                .await
                .unwrap();
            assert_eq!(store.change_no().await.unwrap(), ChangeNo(start.0 + round));
            for t in busy {
                let n = t.await.unwrap().unwrap();
                assert!(n.0 == start.0 + round - 1 || n.0 == start.0 + round);
            }
        }
    }

    /// Requests that miss the same answer at once run its read once; the others take what
    /// it kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_same_read_asked_at_once_runs_once() {
        use std::sync::atomic::AtomicUsize;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        let reads = Arc::new(AtomicUsize::new(0));
        let seen = ChangeNo(7);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (store, reads) = (store.clone(), reads.clone());
                tokio::spawn(async move {
                    store
                        .memo(seen, "list|a".into(), async {
                            reads.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok::<u32, ()>(42)
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(42));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        // A read that fails is not shared as an answer: the next asks again.
        let failed = store
            .memo(ChangeNo(8), "list|b".into(), async {
                Err::<u32, &str>("down")
            })
            .await;
        assert_eq!(failed, Err("down"));
        let again = store
            .memo(ChangeNo(8), "list|b".into(), async { Ok::<u32, &str>(5) })
            .await;
        assert_eq!(again, Ok(5));
    }

    #[test]
    fn an_answer_is_kept_for_its_change_number_only() {
        let m = Memo::new(1_000);
        m.keep(ChangeNo(7), "k".into(), 1u32);
        assert_eq!(m.recall::<u32>(ChangeNo(7), "k"), Some(1));
        assert_eq!(m.recall::<u32>(ChangeNo(8), "k"), None);
        assert_eq!(m.recall::<u32>(ChangeNo(7), "other"), None);
        // A value of another type under the same key is not mistaken for this one.
        assert_eq!(m.recall::<String>(ChangeNo(7), "k"), None);
    }

    #[test]
    fn a_request_that_began_before_this_process_wrote_reads_afresh() {
        let m = Memo::new(1_000);
        m.keep(ChangeNo(7), "k".into(), 1u32);
        m.wrote(8);
        assert_eq!(m.recall::<u32>(ChangeNo(7), "k"), None);
        m.keep(ChangeNo(7), "k".into(), 2u32);
        assert_eq!(
            m.recall::<u32>(ChangeNo(7), "k"),
            None,
            "nothing kept for the old number"
        );
        m.keep(ChangeNo(8), "k".into(), 3u32);
        assert_eq!(m.recall::<u32>(ChangeNo(8), "k"), Some(3));
        m.wrote(5); // an older number never lowers the mark
        assert_eq!(m.recall::<u32>(ChangeNo(8), "k"), Some(3));
        m.keep(ChangeNo::UNKNOWN, "u".into(), 4u32);
        assert_eq!(m.recall::<u32>(ChangeNo::UNKNOWN, "u"), None);
    }

    #[test]
    fn a_zero_budget_turns_it_off_and_the_least_recent_goes_first() {
        let off = Memo::new(0);
        off.keep(ChangeNo(1), "a".into(), 1u8);
        assert_eq!(off.recall::<u8>(ChangeNo(1), "a"), None);
        // Room for two answers of 10 bytes under 1-byte keys.
        let m = Memo::new(22);
        m.keep(ChangeNo(1), "a".into(), 1u8);
        m.keep(ChangeNo(1), "b".into(), 2u8);
        assert_eq!(m.recall::<u8>(ChangeNo(1), "a"), Some(1));
        m.keep(ChangeNo(1), "c".into(), 3u8);
        assert_eq!(m.recall::<u8>(ChangeNo(1), "b"), None);
        assert_eq!(m.recall::<u8>(ChangeNo(1), "a"), Some(1));
    }

    #[test]
    fn the_budget_is_kept_in_bytes() {
        let m = Memo::new(100);
        m.keep(
            ChangeNo(1),
            "big".into(),
            bytes::Bytes::from(vec![0u8; 101]),
        );
        assert_eq!(
            m.recall::<bytes::Bytes>(ChangeNo(1), "big"),
            None,
            "larger than it all"
        );
        m.keep(ChangeNo(1), "a".into(), bytes::Bytes::from(vec![0u8; 60]));
        m.keep(ChangeNo(1), "a".into(), bytes::Bytes::from(vec![0u8; 50]));
        assert_eq!(m.stats().bytes, 51, "a replaced answer no longer counts");
        m.keep(ChangeNo(1), "b".into(), bytes::Bytes::from(vec![0u8; 60]));
        let stats = m.stats();
        assert_eq!((stats.entries, stats.bytes), (1, 61));
        assert_eq!(m.recall::<bytes::Bytes>(ChangeNo(1), "a"), None);
    }

    #[test]
    fn a_page_weighs_its_json() {
        let page = crate::Page {
            items: vec!["湖南".to_string()],
            total: 1,
            page: 1,
            per_page: 20,
        };
        assert_eq!(page.weigh(), serde_json::to_vec(&page).unwrap().len());
    }
}
