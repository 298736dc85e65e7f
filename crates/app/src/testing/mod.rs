//! End-to-end test support: start a real service binary on port 0 and talk to
//! it over HTTP, the way an operator's scripts would; drive a real browser
//! ([`browser`]).

pub mod browser;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

const START_TIMEOUT: Duration = Duration::from_mins(1);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// Another binary of the workspace beside `bin` (a test's own
/// `CARGO_BIN_EXE_…`): `merchantctl`, `kuper-sim`. Panics with how to build
/// it when it is missing.
pub fn sibling_binary(bin: &str, name: &str) -> PathBuf {
    let sibling = Path::new(bin).with_file_name(name);
    assert!(
        sibling.exists(),
        "{} is missing: run the workspace's tests (cargo xtask test), or cargo build --bin {name}",
        sibling.display()
    );
    sibling
}

/// A third-party tool a test drives (a Python venv `.ci/run` installs):
/// the path in the environment variable `var`, else `default` under
/// `$HOME`, when `probe` (a file inside it; empty: the path itself) exists. `None`, with a note,
/// outside CI; under CI a missing tool fails the test.
pub fn ci_tool(var: &str, default: &str, probe: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var).map_or_else(
        || std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(default),
        PathBuf::from,
    );
    let probed = if probe.is_empty() { path.clone() } else { path.join(probe) };
    if probed.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is required under CI (.ci/run installs it)",
        probed.display()
    );
    eprintln!("skipped: no {} ({var})", probed.display());
    None
}

/// A service process that has printed its `listening on` line.
#[derive(Debug)]
pub struct RunningService {
    child: Child,
    /// `http://HOST:PORT`, as the service announced it.
    pub base_url: String,
    output: Arc<Mutex<String>>,
}

/// Runs `bin` with a clean `MERCHANT_*` environment plus `env`, in `dir`.
fn command(bin: &Path, dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(bin);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with(crate::config::ENV_PREFIX)) {
        command.env_remove(key);
    }
    command.current_dir(dir).envs(env.iter().copied()).stdin(Stdio::null());
    command
}

impl RunningService {
    /// Starts `bin` and waits for `listening on http://…` on its stdout.
    /// Panics with everything the process printed if it does not come.
    pub fn start(bin: &Path, dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::start_with_args(bin, dir, &[], env)
    }

    /// [`RunningService::start`] with command-line arguments.
    pub fn start_with_args(bin: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = command(bin, dir, env)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("service binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        collect(child.stderr.take().expect("piped"), Arc::clone(&output), None);
        let (announced, listening) = mpsc::channel();
        collect(child.stdout.take().expect("piped"), Arc::clone(&output), Some(announced));
        let Ok(base_url) = listening.recv_timeout(START_TIMEOUT) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} did not announce its address; it printed:\n{}", bin.display(), output.lock().unwrap());
        };
        RunningService { child, base_url, output }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Everything the service printed so far, stdout and stderr.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait on child") {
                return status;
            }
            assert!(Instant::now() < deadline, "service ignored SIGTERM for {STOP_TIMEOUT:?}");
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `bin` to completion (for start-up failures); gives up after a minute.
pub fn run_to_exit(bin: &Path, dir: &Path, env: &[(&str, &str)]) -> Output {
    let child = command(bin, dir, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("service binary starts");
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    finished.recv_timeout(START_TIMEOUT).expect("the process should exit on its own").expect("collect output")
}

fn collect(
    stream: impl Read + Send + 'static,
    sink: Arc<Mutex<String>>,
    announce: Option<mpsc::Sender<String>>,
) {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(std::io::Result::ok) {
            if let (Some(tx), Some(url)) = (&announce, line.strip_prefix("listening on ")) {
                let _ = tx.send(url.trim().to_owned());
            }
            let mut sink = sink.lock().unwrap();
            sink.push_str(&line);
            sink.push('\n');
        }
    });
}
