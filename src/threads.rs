//! How many threads this process can run at once, asked of the system
//! once: large documents, rule sets and reports use a second thread only
//! when there is a second core to run it.

/// The threads this process can run at once (1 when the system will not
/// say). On Linux the answer reads the cgroup's CPU quota from files, so
/// it is asked once and kept.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}
