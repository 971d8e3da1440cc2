//! A fuzz harness that runs on stable Rust under `cargo test` (cargo-fuzz needs nightly and a
//! sanitizer runtime; CI here is stable Debian). Trade-off: it is not coverage-guided. Instead
//! each target returns an *outcome signature* (which error, which counters moved, how far it
//! got), and an input whose signature was never seen joins the working corpus, so mutation
//! keeps exploring behaviours rather than re-hitting the first error. Cheap, deterministic per
//! seed, and good at what these targets need: byte formats and index arithmetic.
//!
//! Per target: every file of `fuzz/corpus/<target>/` runs first (regressions: inputs that once
//! crashed stay there), then mutated inputs for `RINGWAY_FUZZ_ITERS` executions (default: a short
//! CI run) or `RINGWAY_FUZZ_SECS` seconds, from seed `RINGWAY_FUZZ_SEED`. A panic, or an input
//! that runs longer than 10 s (a hang: a watchdog thread aborts the process), is written to
//! `fuzz/crashes/<target>-<hash>` and fails the test. `RINGWAY_FUZZ_SAVE=1` also writes inputs
//! with new signatures into the corpus directory (how the committed corpus was grown).
//! `RINGWAY_FUZZ_REPORT=1` prints execs, time, signatures per target (docs/reliability.md).
mod pcap;
mod ring;
mod spec;
mod virtqueue;

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// xorshift64*: deterministic, no dependency.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Reads input bytes as a stream of small numbers (ends return 0s: short inputs stay valid).
pub struct Bytes<'a> {
    b: &'a [u8],
    at: usize,
}
impl<'a> Bytes<'a> {
    pub fn new(b: &'a [u8]) -> Bytes<'a> {
        Bytes { b, at: 0 }
    }
    pub fn done(&self) -> bool {
        self.at >= self.b.len()
    }
    pub fn u8(&mut self) -> u8 {
        let v = self.b.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
}

/// Working corpus bound in memory (committed inputs are never evicted).
const CORPUS_MAX: usize = 50_000;

const INTERESTING: [u32; 12] = [0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, u32::MAX];

fn mutate(input: &mut Vec<u8>, rng: &mut Rng, corpus: &[Vec<u8>]) {
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        match rng.below(8) {
            0 if len > 0 => input[rng.below(len)] ^= 1 << rng.below(8),
            1 if len > 0 => input[rng.below(len)] = rng.next() as u8,
            2 if len >= 4 => {
                let at = rng.below(len - 3);
                let v = INTERESTING[rng.below(INTERESTING.len())].wrapping_add(rng.below(3) as u32).wrapping_sub(1);
                let w = if rng.below(2) == 0 { v.to_le_bytes() } else { v.to_be_bytes() };
                let k = [1, 2, 4][rng.below(3)];
                input[at..at + k].copy_from_slice(&w[..k]);
            }
            3 if len < 1 << 16 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                input.splice(at..at, bytes);
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                input.drain(at..at + n);
            }
            5 if len > 0 && len < 1 << 16 => {
                // duplicate a chunk (repeats records, blocks, ops)
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(256));
                let chunk = input[at..at + n].to_vec();
                let to = rng.below(len + 1);
                input.splice(to..to, chunk);
            }
            6 if !corpus.is_empty() => {
                // splice: our head, another input's tail
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(input.len() + 1);
                let from = rng.below(other.len() + 1);
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
            _ => {
                let at = rng.below(len + 1);
                input.insert(at, INTERESTING[rng.below(INTERESTING.len())] as u8);
            }
        }
    }
}

fn repo_dir(sub: &str, target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(sub).join(target)
}

fn hash(b: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    b.hash(&mut h);
    h.finish()
}

fn env_u64(k: &str) -> Option<u64> {
    std::env::var(k).ok()?.parse().ok()
}

fn save_crash(target: &str, input: &[u8]) -> PathBuf {
    let dir = repo_dir("fuzz/crashes", "");
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join(format!("{target}-{:016x}", hash(input)));
    let _ = std::fs::write(&p, input);
    p
}

/// Run `target` over its corpus then over mutations. `f` returns the outcome signature.
/// `ci_iters`: executions in the default (CI) run.
pub fn run(target: &'static str, ci_iters: u64, f: fn(&[u8]) -> u64) {
    let dir = repo_dir("fuzz/corpus", target);
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir).map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
    names.sort();
    for p in &names {
        if let Ok(b) = std::fs::read(p) {
            corpus.push(b);
        }
    }
    assert!(!corpus.is_empty(), "fuzz target {target}: no corpus in {}", dir.display());
    let save = std::env::var("RINGWAY_FUZZ_SAVE").is_ok_and(|v| v == "1");
    let secs = env_u64("RINGWAY_FUZZ_SECS");
    let iters = env_u64("RINGWAY_FUZZ_ITERS").unwrap_or(if secs.is_some() { u64::MAX } else { ci_iters });
    let mut rng = Rng::new(env_u64("RINGWAY_FUZZ_SEED").unwrap_or(0x5eed) ^ hash(target.as_bytes()));

    // Watchdog: the input being run, and when it started.
    let current: Arc<Mutex<(Vec<u8>, Instant, bool)>> = Arc::new(Mutex::new((Vec::new(), Instant::now(), false)));
    let wd = current.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(500));
        let g = wd.lock().unwrap_or_else(|e| e.into_inner());
        if g.2 {
            return;
        }
        if g.1.elapsed() > Duration::from_secs(10) {
            let p = save_crash(target, &g.0);
            eprintln!("fuzz target {target}: an input ran for more than 10 s (hang), saved to {}", p.display());
            std::process::abort();
        }
    });
    let exec = |input: &[u8]| -> u64 {
        {
            let mut g = current.lock().unwrap_or_else(|e| e.into_inner());
            g.0.clear();
            g.0.extend_from_slice(input);
            g.1 = Instant::now();
        }
        match std::panic::catch_unwind(|| f(input)) {
            Ok(sig) => sig,
            Err(e) => {
                let p = save_crash(target, input);
                let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                panic!("fuzz target {target}: crash ({}), input saved to {}", msg.unwrap_or_default(), p.display());
            }
        }
    };

    let t0 = Instant::now();
    let mut seen = HashSet::new();
    for c in &corpus {
        seen.insert(exec(c));
    }
    let mut n = 0u64;
    while n < iters && secs.is_none_or(|s| t0.elapsed() < Duration::from_secs(s)) {
        let mut input = corpus[rng.below(corpus.len())].clone();
        mutate(&mut input, &mut rng, &corpus);
        let sig = exec(&input);
        n += 1;
        if seen.insert(sig) {
            if save {
                let _ = std::fs::write(dir.join(format!("{:016x}", hash(&input))), &input);
            }
            if corpus.len() < CORPUS_MAX {
                corpus.push(input);
            } else {
                // long runs: keep memory bounded, replace a grown entry (never a committed one)
                let k = names.len() + rng.below(corpus.len() - names.len());
                corpus[k] = input;
            }
        }
    }
    current.lock().unwrap_or_else(|e| e.into_inner()).2 = true;
    if std::env::var("RINGWAY_FUZZ_REPORT").is_ok() {
        eprintln!(
            "fuzz {target}: {} execs ({} corpus + {n} mutated) in {:.1} s, {} signatures, corpus {} -> {}, 0 crashes",
            names.len() as u64 + n,
            names.len(),
            t0.elapsed().as_secs_f64(),
            seen.len(),
            names.len(),
            corpus.len()
        );
    }
}

/// The reason of an error message, as a signature part: its words that do not occur in the
/// input, so the input's own text (quoted back in the message), offsets and numbers do not make
/// every error look new.
pub fn reason(msg: &str, input: &[u8]) -> u64 {
    let inp = String::from_utf8_lossy(input);
    let why: Vec<&str> = msg
        .split(|c: char| !c.is_ascii_alphanumeric())
        // numbers in messages ("offset 12", "magic 0xecfe0d0a", "type deadbeef") are values, not
        // reasons: only all-letter words that are not hex
        .filter(|w| {
            w.len() > 1 && w.chars().all(|c| c.is_ascii_alphabetic()) && !w.chars().all(|c| c.is_ascii_hexdigit()) && !inp.contains(w)
        })
        .take(12)
        .collect();
    hash(why.concat().as_bytes())
}

/// Fold values into a signature.
pub fn sig(parts: &[u64]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}
