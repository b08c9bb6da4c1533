//! `fuzz <target> --seconds N [--corpus DIR] [--crashes DIR] [--seed N] [--max-corpus N] [--max-len N]`
//! `fuzz <target> --replay FILE`: runs one saved input and prints its outcome (or its panic).
//!
//! Targets: stripe-signature, outbound-message, json-bodies. The corpus defaults to `fuzz/corpus/<target>/`
//! and the crashes folder to `fuzz/crashes/<target>/` of the repository. Exit status: 0 when nothing
//! crashed, 1 when an input panicked, killed the process or hung (saved in the crashes folder), 2 on a usage
//! or I/O error.
//!
//! The process runs itself again as a worker (environment `FUZZ_WORKER=1`) and watches it: the worker writes
//! each input to `<crashes>/.in-flight` before running it, so an input that ends the process without a panic
//! (stack overflow, abort, out of memory) or never returns is saved as `abort-…` or `hang-…`.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fuzz::engine::{self, IN_FLIGHT, Options};
use fuzz::targets::Target;

const USAGE: &str = "usage: fuzz <stripe-signature|outbound-message|json-bodies> --seconds N [--corpus DIR] \
                     [--crashes DIR] [--seed N] [--max-corpus N] [--max-len N]\n       \
                     fuzz <stripe-signature|outbound-message|json-bodies> --replay FILE";
const WORKER: &str = "FUZZ_WORKER";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [name, flag, file] = args.as_slice()
        && flag == "--replay"
    {
        return replay(name, file);
    }
    let opts = match parse(&args) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("fuzz: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if std::env::var_os(WORKER).is_some() { worker(opts) } else { supervise(&args, &opts) }
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut args = args.iter();
    let name = args.next().ok_or("no target")?;
    let target = Target::from_name(name).ok_or_else(|| format!("unknown target {name:?}"))?;
    let mut opts = Options::new(target, Duration::from_secs(180));
    opts.seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|_| format!("{flag} needs a number, not {value:?}"));
        match flag.as_str() {
            "--seconds" => opts.duration = Duration::from_secs(number()?),
            "--corpus" => opts.corpus_dir = PathBuf::from(value),
            "--crashes" => opts.crashes_dir = PathBuf::from(value),
            "--seed" => opts.seed = number()?,
            "--max-corpus" => opts.max_corpus = usize::try_from(number()?).map_err(|e| e.to_string())?,
            "--max-len" => opts.max_len = usize::try_from(number()?).map_err(|e| e.to_string())?,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(opts)
}

fn worker(mut opts: Options) -> ExitCode {
    opts.in_flight = true;
    opts.progress = Some(Duration::from_secs(30));
    // The api's handlers run on actix worker threads, which have Rust's default 2 MiB stack; so does this one.
    let run = std::thread::spawn(move || engine::run(&opts));
    match run.join() {
        Ok(Ok(summary)) => {
            print!("{summary}");
            if summary.crash_count > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
        }
        Ok(Err(e)) => {
            eprintln!("fuzz: {e}");
            ExitCode::from(2)
        }
        Err(_) => {
            eprintln!("fuzz: the fuzzing loop itself panicked");
            ExitCode::from(2)
        }
    }
}

/// Runs one input on a thread like the worker's and prints what it did.
fn replay(name: &str, file: &str) -> ExitCode {
    let Some(target) = Target::from_name(name) else {
        eprintln!("fuzz: unknown target {name:?}\n{USAGE}");
        return ExitCode::from(2);
    };
    let input = match std::fs::read(file) {
        Ok(input) => input,
        Err(e) => {
            eprintln!("fuzz: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let run = std::thread::spawn(move || {
        let mut classes = Vec::new();
        engine::execute(target, &input, &mut classes).map(|()| classes)
    });
    match run.join() {
        Ok(Ok(classes)) => {
            for class in classes {
                println!("{class}");
            }
            ExitCode::SUCCESS
        }
        Ok(Err(panic)) => {
            println!("PANIC {panic}");
            ExitCode::from(1)
        }
        Err(_) => ExitCode::from(2),
    }
}

/// Runs the worker and saves the in-flight input if it dies or hangs.
fn supervise(args: &[String], opts: &Options) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("fuzz: cannot find its own executable: {e}");
            return ExitCode::from(2);
        }
    };
    let mut args = args.to_vec();
    if !args.iter().any(|a| a == "--seed") {
        // The worker reports the seed it was given, so the run can be repeated.
        args.extend(["--seed".to_owned(), opts.seed.to_string()]);
    }
    let mut child = match Command::new(exe).args(&args).env(WORKER, "1").spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("fuzz: cannot start the worker: {e}");
            return ExitCode::from(2);
        }
    };
    // Loading and checking the corpus takes a moment; an input that runs for a minute has hung.
    let deadline = Instant::now() + opts.duration + Duration::from_secs(60);
    let (kind, status) = loop {
        match child.try_wait() {
            Ok(Some(status)) => match status.code() {
                Some(code @ 0..=2) => return ExitCode::from(code as u8),
                _ => break ("abort-", format!("the worker died: {status}")),
            },
            Ok(None) if Instant::now() >= deadline => {
                // Our own child, by its handle.
                let _ = child.kill();
                let _ = child.wait();
                break ("hang-", "an input ran for more than a minute; the worker was stopped".to_owned());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => {
                eprintln!("fuzz: cannot watch the worker: {e}");
                return ExitCode::from(2);
            }
        }
    };
    let in_flight = opts.crashes_dir.join(IN_FLIGHT);
    match engine::read_in_flight(&in_flight) {
        Ok(Some(input)) => match engine::save(&opts.crashes_dir, kind, &input, Some(&status)) {
            Ok(path) => println!("== fuzz {} ==\nCRASH {}: {status}", opts.target.name(), path.display()),
            Err(e) => eprintln!("fuzz: {status}; saving its input failed: {e}"),
        },
        Ok(None) | Err(_) => println!("== fuzz {} ==\nCRASH (input unknown): {status}", opts.target.name()),
    }
    ExitCode::from(1)
}
