//! A real headless Chromium for end-to-end tests, driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`, which `.ci/run` installs).
//! Without them a test is skipped with a note, except under `CI`, where
//! their absence is a failure.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// WebDriver's key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

#[derive(Debug)]
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::blocking::Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh browser, or `None` (with a note) where Chromium is not
    /// installed outside CI.
    pub fn start() -> Option<Browser> {
        if !(std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists()) {
            assert!(
                std::env::var_os("CI").is_none(),
                "{CHROMIUM} and {CHROMEDRIVER} are required under CI (.ci/run installs chromium chromium-driver)"
            );
            eprintln!("skipped: no {CHROMIUM} / {CHROMEDRIVER} (apt-get install chromium chromium-driver)");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http =
            reqwest::blocking::Client::builder().timeout(Duration::from_mins(1)).build().expect("client");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("a profile directory");
        // The flags that keep Chromium off the network it would reach for at
        // start (closed on CI machines) and fit it in a container.
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}});
        let mut browser = Browser { driver, base, session: String::new(), http, _profile: profile };
        let created = browser.call("POST", "/session", &capabilities);
        created["sessionId"].as_str().expect("a WebDriver session").clone_into(&mut browser.session);
        Some(browser)
    }

    fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(body),
        };
        let answer: Value = request.send().expect("chromedriver answers").json().expect("WebDriver JSON");
        let value = answer["value"].clone();
        assert!(value["error"].is_null(), "WebDriver {method} {path}: {value}");
        value
    }

    fn session(&self, method: &str, path: &str, body: &Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    pub fn open(&self, url: &str) {
        self.session("POST", "/url", &json!({"url": url}));
    }

    /// The page's HTML as the browser has it now.
    pub fn source(&self) -> String {
        self.session("GET", "/source", &Value::Null).as_str().unwrap_or_default().to_owned()
    }

    pub fn url(&self) -> String {
        self.session("GET", "/url", &Value::Null).as_str().unwrap_or_default().to_owned()
    }

    fn element(&self, css: &str) -> String {
        let found = self.session("POST", "/element", &json!({"using": "css selector", "value": css}));
        match found[ELEMENT].as_str() {
            Some(element) => element.to_owned(),
            None => panic!("no {css} at {}: {found}\n{}", self.url(), self.source()),
        }
    }

    pub fn click(&self, css: &str) {
        let element = self.element(css);
        self.session("POST", &format!("/element/{element}/click"), &json!({}));
    }

    /// Types `text` into the field matching `css`.
    pub fn fill(&self, css: &str, text: &str) {
        let element = self.element(css);
        self.session("POST", &format!("/element/{element}/value"), &json!({"text": text}));
    }

    /// Runs `script` in the page (what a user with the developer tools
    /// could do: remove a hidden field, forge a form).
    pub fn execute(&self, script: &str) -> Value {
        self.session("POST", "/execute/sync", &json!({"script": script, "args": []}))
    }

    /// Empties the field matching `css`.
    pub fn clear(&self, css: &str) {
        let element = self.element(css);
        self.session("POST", &format!("/element/{element}/clear"), &json!({}));
    }

    /// How many elements match `css` now.
    pub fn count(&self, css: &str) -> usize {
        let found = self.session("POST", "/elements", &json!({"using": "css selector", "value": css}));
        found.as_array().map_or(0, Vec::len)
    }

    /// Resizes the window (a tablet's viewport, a desktop's).
    pub fn resize(&self, width: u32, height: u32) {
        self.session("POST", "/window/rect", &json!({"width": width, "height": height}));
    }

    /// Lays the page out as it prints (CSS `@media print`), or back as
    /// the screen shows it.
    pub fn emulate_print(&self, print: bool) {
        let media = if print { "print" } else { "" };
        self.session(
            "POST",
            "/goog/cdp/execute",
            &json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": media}}),
        );
    }

    /// The page printed to PDF on paper `width_cm` wide (and as tall as
    /// `height_cm`), as the browser's print preview makes it.
    pub fn print_pdf(&self, width_cm: f64, height_cm: f64) -> Vec<u8> {
        use base64::Engine as _;
        let page = json!({"width": width_cm, "height": height_cm});
        let margin = json!({"top": 0.5, "bottom": 0.5, "left": 0.4, "right": 0.4});
        let encoded =
            self.session("POST", "/print", &json!({"page": page, "margin": margin, "shrinkToFit": false}));
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("WebDriver sends a PDF in base64")
    }

    /// A PNG of what the window shows now.
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let encoded = self.session("GET", "/screenshot", &Value::Null);
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("WebDriver sends a PNG in base64")
    }

    /// Waits until the text of the element matching `css` satisfies `done`;
    /// returns it. Read in the page itself: a page that is being replaced
    /// (a form just sent) has no stale element to trip over.
    pub fn wait_for_text(&self, css: &str, done: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;";
        loop {
            let text = self.session("POST", "/execute/sync", &json!({"script": script, "args": [css]}));
            if let Some(text) = text.as_str().filter(|t| done(t)) {
                return text.to_owned();
            }
            assert!(Instant::now() < deadline, "{css} is {text} at {}:\n{}", self.url(), self.source());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn text(&self, css: &str) -> String {
        let element = self.element(css);
        self.session("GET", &format!("/element/{element}/text"), &Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until an element matches `css` (a page that renders itself).
    pub fn wait_for(&self, css: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.session("POST", "/elements", &json!({"using": "css selector", "value": css}));
            if found.as_array().is_some_and(|all| !all.is_empty()) {
                return;
            }
            assert!(Instant::now() < deadline, "nothing matches {css} at {}:\n{}", self.url(), self.source());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the page's URL satisfies `done`; returns it.
    pub fn wait_for_url(&self, done: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let url = self.url();
            if done(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "the browser stayed at {url}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.http.delete(format!("{}/session/{}", self.base, self.session)).send();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
