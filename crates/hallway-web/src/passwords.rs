//! Password hashing: Argon2id on a few threads of its own, and a gate in front of them. A
//! hash takes its memory (19 MiB at the default cost) for tens of milliseconds; without a
//! bound, a burst of sign-ups or wrong log-ins takes gigabytes. At most `concurrent` hashes
//! run at once (about the number of cores: more would not finish sooner), each on one of
//! `concurrent` long-lived threads — not on tokio's blocking pool, whose many short-lived
//! threads would each keep a malloc arena holding a hash's memory after it is done; up to
//! `queue` more wait their turn for at most [`QUEUE_WAIT`], and beyond that a request is
//! refused at once with 503 and `Retry-After`, so the server's memory stays bounded
//! whatever arrives.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long a hash waits for its turn before the request is refused.
pub const QUEUE_WAIT: Duration = Duration::from_secs(10);

/// What a refused request is told to wait, seconds.
pub const RETRY_AFTER: u64 = 2;

/// The bound on hashes running and waiting, and the threads they run on.
#[derive(Debug)]
pub struct HashGate {
    running: Semaphore,
    waiting: AtomicUsize,
    queue: usize,
    workers: Workers,
}

type Job = Box<dyn FnOnce() + Send>;

/// `n` threads that run jobs one at a time each, started when the first job comes.
struct Workers {
    n: usize,
    jobs: std::sync::OnceLock<std::sync::mpsc::Sender<Job>>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers").field("n", &self.n).finish()
    }
}

impl Workers {
    fn sender(&self) -> &std::sync::mpsc::Sender<Job> {
        self.jobs.get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel::<Job>();
            let rx = Arc::new(std::sync::Mutex::new(rx));
            for i in 0..self.n {
                let rx = Arc::clone(&rx);
                let spawned = std::thread::Builder::new()
                    .name(format!("password-hash-{i}"))
                    .spawn(move || {
                        loop {
                            let job = {
                                let rx =
                                    rx.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                                rx.recv()
                            };
                            match job {
                                Ok(job) => job(),
                                Err(_) => return,
                            }
                        }
                    });
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "starting a password-hashing thread");
                }
            }
            tx
        })
    }

    /// Runs `f` on one of the threads; answers its result.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        self.sender()
            .send(Box::new(move || {
                let _enter = span.enter();
                let _ = tx.send(f());
            }))
            .map_err(|_| HashError::Failed("the hashing threads are gone".into()))?;
        rx.await
            .map_err(|_| HashError::Failed("a hashing thread stopped".into()))
    }
}

/// The gate is full: try again in a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy;

impl HashGate {
    /// At most `concurrent` hashes at once (at least 1), `queue` more waiting.
    pub fn new(concurrent: usize, queue: usize) -> Self {
        let concurrent = concurrent.max(1);
        Self {
            running: Semaphore::new(concurrent),
            waiting: AtomicUsize::new(0),
            queue,
            workers: Workers {
                n: concurrent,
                jobs: std::sync::OnceLock::new(),
            },
        }
    }

    /// A turn to hash: at once if one is free, after waiting in the queue if there is room
    /// in it (for at most `wait`), else [`Busy`].
    pub async fn enter(&self, wait: Duration) -> Result<SemaphorePermit<'_>, Busy> {
        if let Ok(permit) = self.running.try_acquire() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            metrics::counter!("hallway_password_hashes_refused_total").increment(1);
            return Err(Busy);
        }
        let turn = tokio::time::timeout(wait, self.running.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        match turn {
            Ok(Ok(permit)) => Ok(permit),
            _ => {
                metrics::counter!("hallway_password_hashes_refused_total").increment(1);
                Err(Busy)
            }
        }
    }

    /// How many wait now.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }
}

/// The cores of this machine (2 when that cannot be told).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

/// Argon2id parameters and the gate in front of them. The defaults are OWASP's (19 MiB, 2
/// passes), as many hashes at once as cores and 1,024 waiting (or 64 per core if more);
/// tests lower
/// the cost (the binary's `--argon2-memory-kib` and `--argon2-passes`) to stay fast.
#[derive(Clone, Debug)]
pub struct HashCost {
    /// Memory per hash, KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub passes: u32,
    gate: Arc<HashGate>,
    /// A hash of a random password at this cost (see `Passwords::decoy`), made once.
    decoy: Arc<tokio::sync::OnceCell<String>>,
}

impl Default for HashCost {
    fn default() -> Self {
        Self::new(19 * 1024, 2)
    }
}

impl HashCost {
    /// A cost of `memory_kib` KiB (at least 8, Argon2's least) and `passes` (at least 1),
    /// with the default gate.
    pub fn new(memory_kib: u32, passes: u32) -> Self {
        Self::gated(memory_kib, passes, cores(), (64 * cores()).max(1024))
    }

    /// [`Self::new`] with `concurrent` hashes at once and `queue` waiting.
    pub fn gated(memory_kib: u32, passes: u32, concurrent: usize, queue: usize) -> Self {
        Self {
            memory_kib: memory_kib.max(8),
            passes: passes.max(1),
            gate: Arc::new(HashGate::new(concurrent, queue)),
            decoy: Arc::default(),
        }
    }

    /// Hashes `password` on a hashing thread, in its turn (Argon2 takes tens of
    /// milliseconds on purpose; the async threads must not wait for it).
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let _turn = self
            .gate
            .enter(QUEUE_WAIT)
            .await
            .map_err(|_| HashError::Busy)?;
        let params = Params::new(self.memory_kib, self.passes, 1, None)
            .map_err(|e| HashError::Failed(format!("the Argon2 cost: {e}")))?;
        self.gate
            .workers
            .run(move || hash_with_own_memory(password.as_bytes(), params))
            .await?
    }

    /// Checks `password` against a stored hash, on a hashing thread, in its turn. The
    /// parameters stored in the hash are used, so a changed cost does not lock anybody out.
    pub async fn verify(&self, password: String, stored: String) -> Result<bool, HashError> {
        metrics::counter!("hallway_password_checks_total").increment(1);
        let _turn = self
            .gate
            .enter(QUEUE_WAIT)
            .await
            .map_err(|_| HashError::Busy)?;
        self.gate
            .workers
            .run(move || verify_with_own_memory(password.as_bytes(), &stored))
            .await
    }
}

thread_local! {
    /// The Argon2 memory of this hashing thread, kept from one hash to the next: allocating
    /// and freeing it per hash makes the allocator keep freed copies around (glibc raises
    /// its mmap threshold after the first free), and memory grows with every burst.
    static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` over this thread's Argon2 memory, grown to `count` blocks if it is smaller.
fn with_blocks<R>(count: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        f(&mut blocks[..count])
    })
}

/// An Argon2id hash of `password` with `params` and a fresh salt, as a PHC string.
fn hash_with_own_memory(password: &[u8], params: Params) -> Result<String, HashError> {
    let failed = |e: &dyn std::fmt::Display| HashError::Failed(format!("hashing: {e}"));
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| failed(&e))?;
    let mut out = [0u8; 32];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    with_blocks(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, &salt, &mut out, blocks)
    })
    .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` is the one the PHC string `stored` was made of (any Argon2 variant,
/// version and cost it names; compared in constant time).
fn verify_with_own_memory(password: &[u8], stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let version = hash
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    let done = with_blocks(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, salt.as_ref(), &mut out, blocks)
    });
    done.is_ok() && Output::new(&out).is_ok_and(|o| &o == expected)
}

/// Why a password was not hashed or checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// Occurs when the gate is full (see [`HashGate`]).
    #[error("too many passwords are being checked right now; try again in a moment")]
    Busy,
    /// Occurs when hashing itself fails.
    #[error("{0}")]
    Failed(String),
}

impl From<HashError> for hallway_app::AppError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy(RETRY_AFTER),
            HashError::Failed(m) => Self::Internal(m),
        }
    }
}

impl hallway_app::accounts::Passwords for HashCost {
    fn hash(
        &self,
        password: &str,
    ) -> impl std::future::Future<Output = Result<String, hallway_app::AppError>> + Send {
        let password = password.to_owned();
        async move { Ok(HashCost::hash(self, password).await?) }
    }

    async fn decoy(&self) -> Result<String, hallway_app::AppError> {
        let made = self
            .decoy
            .get_or_try_init(|| HashCost::hash(self, crate::auth::new_token()))
            .await?;
        Ok(made.clone())
    }

    fn matches(
        &self,
        password: &str,
        hash: &str,
    ) -> impl std::future::Future<Output = Result<bool, hallway_app::AppError>> + Send {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        async move { Ok(HashCost::verify(self, password, hash).await?) }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn our_hashes_are_standard_phc_strings_and_check_both_ways() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let cost = HashCost::new(64, 1);
        let ours = cost.hash("correct horse battery".into()).await.unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{ours}");
        // The argon2 crate's own check accepts ours, and ours accepts its.
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        let theirs = Argon2::default()
            .hash_password(b"another password")
            .unwrap()
            .to_string();
        assert!(
            cost.verify("another password".into(), theirs.clone())
                .await
                .unwrap()
        );
        assert!(!cost.verify("wrong".into(), theirs).await.unwrap());
        assert!(!cost.verify("wrong".into(), ours.clone()).await.unwrap());
        assert!(!cost.verify("x".into(), "not a hash".into()).await.unwrap());
        // Twice the same password: two salts, two hashes.
        assert_ne!(
            cost.hash("correct horse battery".into()).await.unwrap(),
            ours
        );
    }

    #[tokio::test]
    async fn hashes_beyond_the_running_and_the_queue_are_refused_at_once() {
        let gate = Arc::new(HashGate::new(1, 1));
        let first = gate.enter(Duration::from_secs(60)).await.unwrap();
        // The second waits in the queue ...
        let waiter = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move { gate.enter(Duration::from_secs(60)).await.map(drop) })
        };
        while gate.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        // ... the third finds the queue full and is refused without waiting.
        assert_eq!(gate.enter(Duration::from_secs(60)).await.err(), Some(Busy));
        assert!(!waiter.is_finished());
        // The first's turn ends: the second gets its own.
        drop(first);
        assert_eq!(waiter.await.unwrap(), Ok(()));
        assert_eq!(gate.waiting(), 0);
        // A turn that does not come within the wait is refused too.
        let _held = gate.enter(Duration::from_secs(60)).await.unwrap();
        assert_eq!(gate.enter(Duration::from_millis(1)).await.err(), Some(Busy));
        assert_eq!(gate.waiting(), 0, "who gave up left the queue");
    }
}
