//! The fuzzing loop: corpus in, mutants through the target under `catch_unwind`, outcome classes counted,
//! inputs with a new class kept, panicking inputs saved.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};

use crate::mutate::mutate;
use crate::targets::Target;

/// Where inputs live, for the target's name: the repository's `fuzz/` folder.
pub fn default_dir(kind: &str, target: Target) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../fuzz").join(kind).join(target.name())
}

/// The name of the file each input is written to just before it runs (in the crashes folder), so that an
/// input that kills the process (stack overflow, abort, out of memory) can be saved by the supervisor.
pub const IN_FLIGHT: &str = ".in-flight";

#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    pub duration: Duration,
    /// Seeds are read from here; new entries are written here when `save_corpus`.
    pub corpus_dir: PathBuf,
    pub save_corpus: bool,
    /// Panicking inputs are written here (created when needed).
    pub crashes_dir: PathBuf,
    /// Write each input to `crashes_dir/.in-flight` before running it.
    pub in_flight: bool,
    pub seed: u64,
    /// At most this many entries in the corpus (seeds included); past it new classes are counted, not kept.
    pub max_corpus: usize,
    /// Mutants are cut to this many bytes ([`Target::max_len`] unless told).
    pub max_len: usize,
    /// An input slower than this is saved as `slow-<hash>` (reported, not a failure).
    pub slow: Duration,
    /// Print a line to stderr every this often.
    pub progress: Option<Duration>,
}

impl Options {
    pub fn new(target: Target, duration: Duration) -> Self {
        Self {
            target,
            duration,
            corpus_dir: default_dir("corpus", target),
            save_corpus: true,
            crashes_dir: default_dir("crashes", target),
            in_flight: false,
            seed: 0,
            max_corpus: 500,
            max_len: target.max_len(),
            slow: Duration::from_secs(1),
            progress: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Crash {
    pub path: Option<PathBuf>,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub target: Target,
    pub seed: u64,
    pub elapsed: Duration,
    pub executions: u64,
    pub corpus_before: usize,
    pub corpus_after: usize,
    pub saved: usize,
    pub max_corpus: usize,
    /// Times each outcome class was reached (the seed pass included).
    pub outcomes: BTreeMap<String, u64>,
    /// Executions that panicked; the first ones are saved, with their message.
    pub crash_count: u64,
    pub crashes: Vec<Crash>,
    pub slowest: Duration,
    pub slowest_len: usize,
    pub slow_saved: Vec<PathBuf>,
}

impl Summary {
    pub fn per_second(&self) -> f64 {
        self.executions as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "== fuzz {} ==", self.target.name())?;
        writeln!(f, "seconds            {:.1}", self.elapsed.as_secs_f64())?;
        writeln!(f, "seed               {}", self.seed)?;
        writeln!(f, "executions         {}", self.executions)?;
        writeln!(f, "executions/s       {:.0}", self.per_second())?;
        writeln!(
            f,
            "corpus             {} -> {} ({} new saved, cap {})",
            self.corpus_before, self.corpus_after, self.saved, self.max_corpus
        )?;
        writeln!(f, "distinct outcomes  {}", self.outcomes.len())?;
        writeln!(f, "crashes            {}", self.crash_count)?;
        writeln!(
            f,
            "slowest input      {:.1} ms ({} bytes){}",
            self.slowest.as_secs_f64() * 1e3,
            self.slowest_len,
            if self.slow_saved.is_empty() {
                String::new()
            } else {
                format!(", {} saved as slow", self.slow_saved.len())
            }
        )?;
        let mut by_count: Vec<(&String, &u64)> = self.outcomes.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        const SHOWN: usize = 25;
        writeln!(f, "outcomes (most frequent first)")?;
        for (class, count) in by_count.iter().take(SHOWN) {
            writeln!(f, "  {count:>10}  {class}")?;
        }
        if by_count.len() > SHOWN {
            writeln!(f, "  … and {} more", by_count.len() - SHOWN)?;
        }
        for crash in &self.crashes {
            let path = crash.path.as_ref().map_or_else(|| "not saved".to_owned(), |p| p.display().to_string());
            writeln!(f, "CRASH {path}: {}", crash.message.lines().next().unwrap_or_default())?;
        }
        Ok(())
    }
}

/// The first 16 hex digits of the content's SHA-256: the name of a kept input.
pub fn content_name(data: &[u8]) -> String {
    hex::encode(&Sha256::digest(data)[..8])
}

/// The corpus files of `dir` (hidden files skipped), by name.
pub fn load_corpus(dir: &Path) -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut entries = Vec::new();
    if !dir.exists() {
        return Ok(entries);
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.file_type()?.is_file() {
            continue;
        }
        entries.push((name, fs::read(entry.path())?));
    }
    entries.sort();
    Ok(entries)
}

thread_local! {
    /// Set while a target runs: its panics are recorded here instead of printed.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Backtraces are taken for the first few panics only (they are slow).
    static BACKTRACES_LEFT: Cell<u32> = const { Cell::new(20) };
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CAPTURING.get() {
                return previous(info);
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            let mut text = format!("{message}{location}");
            if BACKTRACES_LEFT.get() > 0 {
                BACKTRACES_LEFT.set(BACKTRACES_LEFT.get() - 1);
                text.push_str(&format!("\n\n{}", std::backtrace::Backtrace::force_capture()));
            }
            LAST_PANIC.set(Some(text));
        }));
    });
}

/// Runs one input; `Err` holds the panic's message (and, for the first few, a backtrace).
pub fn execute(target: Target, input: &[u8], classes: &mut Vec<String>) -> Result<(), String> {
    classes.clear();
    catch(|| target.run(input, classes))
}

/// Runs `f`, turning a panic into `Err` with its message and location, without printing it.
pub fn catch(f: impl FnOnce()) -> Result<(), String> {
    install_panic_hook();
    CAPTURING.set(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CAPTURING.set(false);
    result.map_err(|_| LAST_PANIC.take().unwrap_or_else(|| "a panic".to_owned()))
}

/// How many crashing (or slow) inputs one run writes at most; the rest are counted.
const MAX_SAVED_CRASHES: usize = 50;

/// One run's state: the corpus, what it has seen, and the summary so far.
struct Fuzzer<'a> {
    opts: &'a Options,
    corpus: Vec<Vec<u8>>,
    known: HashSet<Vec<u8>>,
    summary: Summary,
    in_flight: Option<(fs::File, Vec<u8>)>,
    classes: Vec<String>,
}

impl Fuzzer<'_> {
    /// Runs one input: in-flight file, timing, crash saving. `Ok` leaves its classes in `self.classes`.
    fn exec(&mut self, input: &[u8]) -> io::Result<Result<(), String>> {
        if let Some((file, frame)) = self.in_flight.as_mut() {
            // Length first, so that a reader knows where the input ends in a longer previous one.
            frame.clear();
            frame.extend_from_slice(&(input.len() as u64).to_le_bytes());
            frame.extend_from_slice(input);
            file.write_all_at(frame, 0)?;
        }
        let began = Instant::now();
        let result = execute(self.opts.target, input, &mut self.classes);
        let took = began.elapsed();
        let summary = &mut self.summary;
        summary.executions += 1;
        if took > summary.slowest {
            summary.slowest = took;
            summary.slowest_len = input.len();
        }
        if took >= self.opts.slow && summary.slow_saved.len() < MAX_SAVED_CRASHES {
            summary.slow_saved.push(save(&self.opts.crashes_dir, "slow-", input, None)?);
        }
        if let Err(message) = &result {
            summary.crash_count += 1;
            if summary.crashes.len() < MAX_SAVED_CRASHES {
                let path = save(&self.opts.crashes_dir, "crash-", input, Some(message))?;
                summary.crashes.push(Crash { path: Some(path), message: message.clone() });
            }
        }
        Ok(result)
    }

    /// Counts the classes of the last `Ok` execution; returns those not seen before.
    fn count(&mut self) -> Vec<String> {
        let mut new = Vec::new();
        for class in self.classes.drain(..) {
            match self.summary.outcomes.get_mut(&class) {
                Some(count) => *count += 1,
                None => {
                    self.summary.outcomes.insert(class.clone(), 1);
                    new.push(class);
                }
            }
        }
        new
    }

    /// A smaller input that still reaches every class in `wanted`: chunks of halving size are cut out while
    /// the classes stay (at most 256 tries), so that kept entries are short and quick to run.
    fn shrink(&mut self, mut input: Vec<u8>, wanted: &[String]) -> io::Result<Vec<u8>> {
        let mut tries = 0;
        let mut chunk = input.len() / 2;
        while chunk > 0 && tries < 256 {
            let mut at = 0;
            while at + chunk <= input.len() && tries < 256 {
                tries += 1;
                let mut candidate = input.clone();
                candidate.drain(at..at + chunk);
                let keeps = self.exec(&candidate)?.is_ok() && wanted.iter().all(|w| self.classes.contains(w));
                if keeps {
                    input = candidate;
                } else {
                    at += chunk;
                }
            }
            chunk /= 2;
        }
        Ok(input)
    }

    fn keep(&mut self, input: Vec<u8>) -> io::Result<()> {
        if self.corpus.len() >= self.opts.max_corpus || !self.known.insert(input.clone()) {
            return Ok(());
        }
        if self.opts.save_corpus {
            fs::create_dir_all(&self.opts.corpus_dir)?;
            fs::write(self.opts.corpus_dir.join(content_name(&input)), &input)?;
            self.summary.saved += 1;
        }
        self.corpus.push(input);
        Ok(())
    }
}

pub fn run(opts: &Options) -> io::Result<Summary> {
    let target = opts.target;
    let mut corpus: Vec<Vec<u8>> = load_corpus(&opts.corpus_dir)?.into_iter().map(|(_, data)| data).collect();
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    let corpus_before = corpus.len();
    let in_flight = if opts.in_flight {
        fs::create_dir_all(&opts.crashes_dir)?;
        Some((fs::File::create(opts.crashes_dir.join(IN_FLIGHT))?, Vec::new()))
    } else {
        None
    };
    let mut fuzzer = Fuzzer {
        opts,
        known: corpus.iter().cloned().collect(),
        corpus,
        summary: Summary {
            target,
            seed: opts.seed,
            elapsed: Duration::ZERO,
            executions: 0,
            corpus_before,
            corpus_after: corpus_before,
            saved: 0,
            max_corpus: opts.max_corpus,
            outcomes: BTreeMap::new(),
            crash_count: 0,
            crashes: Vec::new(),
            slowest: Duration::ZERO,
            slowest_len: 0,
            slow_saved: Vec::new(),
        },
        in_flight,
        classes: Vec::new(),
    };
    let start = Instant::now();
    // First every corpus entry as it is, so that the classes the corpus already reaches count as seen.
    for i in 0..corpus_before {
        let input = fuzzer.corpus[i].clone();
        if fuzzer.exec(&input)?.is_ok() {
            fuzzer.count();
        }
    }
    // Then mutants until the time is up.
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let dict = target.dictionary();
    let mut next_progress = opts.progress;
    while start.elapsed() < opts.duration {
        let base = &fuzzer.corpus[rand::Rng::random_range(&mut rng, 0..fuzzer.corpus.len())];
        let input = mutate(&mut rng, base, &fuzzer.corpus, dict, opts.max_len);
        if fuzzer.exec(&input)?.is_ok() {
            let new = fuzzer.count();
            if !new.is_empty() && fuzzer.corpus.len() < opts.max_corpus {
                let small = fuzzer.shrink(input, &new)?;
                fuzzer.keep(small)?;
            }
        }
        if let Some(every) = opts.progress
            && next_progress.is_some_and(|at| start.elapsed() >= at)
        {
            let s = &fuzzer.summary;
            eprintln!(
                "fuzz {}: {:.0} s, {} executions, corpus {}, {} outcomes, {} crashes",
                target.name(),
                start.elapsed().as_secs_f64(),
                s.executions,
                fuzzer.corpus.len(),
                s.outcomes.len(),
                s.crash_count
            );
            next_progress = next_progress.map(|at| at + every);
        }
    }
    let mut summary = fuzzer.summary;
    summary.elapsed = start.elapsed();
    summary.corpus_after = fuzzer.corpus.len();
    if opts.in_flight {
        fs::remove_file(opts.crashes_dir.join(IN_FLIGHT))?;
    }
    Ok(summary)
}

/// Writes `input` as `<prefix><hash>` in `dir` (and the message beside it as `.txt`).
pub fn save(dir: &Path, prefix: &str, input: &[u8], message: Option<&str>) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = dir.join(format!("{prefix}{}", content_name(input)));
    fs::write(&path, input)?;
    if let Some(message) = message {
        fs::write(path.with_extension("txt"), message)?;
    }
    Ok(path)
}

/// The input an in-flight file holds (see [`IN_FLIGHT`]); `None` when it is empty or cut short.
pub fn read_in_flight(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let bytes = fs::read(path)?;
    let Some((len, rest)) = bytes.split_first_chunk::<8>() else {
        return Ok(None);
    };
    let len = usize::try_from(u64::from_le_bytes(*len)).unwrap_or(usize::MAX);
    Ok(rest.get(..len).map(<[u8]>::to_vec))
}
