//! A real headless Chromium (Debian's `chromium` + `chromium-driver`), driven
//! over WebDriver with fantoccini: the editor's end-to-end tests click, type
//! and drag with real pointer input, and save a screenshot of each step under
//! `target/ui-screenshots/` (kept as CI artifacts).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::free_port;

/// The browser window: big enough for palette, canvas and inspector.
const WINDOW: (u32, u32) = (1400, 900);

/// How long to wait for the page to show something.
const PATIENCE: Duration = Duration::from_secs(20);

/// A chromedriver process and a WebDriver session on it (ended on drop).
pub struct Browser {
    driver: Child,
    /// The session.
    pub client: Client,
    /// Where screenshots go, `target/ui-screenshots/<test>/`.
    shots: PathBuf,
    shot: usize,
}

fn find(program: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{program}` is not installed: the editor's tests need Debian's chromium and chromium-driver (`apt-get install chromium chromium-driver`; .ci/run installs them)"
            )
        })
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session; `test` names the
    /// screenshot folder.
    pub async fn start(test: &str) -> Browser {
        let port = free_port();
        let driver = Command::new(find("chromedriver"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let chromium = find("chromium");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    format!("--window-size={},{}", WINDOW.0, WINDOW.1),
                    "--force-device-scale-factor=1",
                ],
            },
        });
        let caps = caps.as_object().cloned().expect("an object");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < PATIENCE => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no WebDriver session with chromium: {e}"),
            }
        };
        let shots = super::repo().join("target/ui-screenshots").join(test);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("screenshot folder");
        Browser {
            driver,
            client,
            shots,
            shot: 0,
        }
    }

    /// Opens the editor at `addr` and signs in with `token`.
    pub async fn open_editor(&mut self, addr: &str, token: &str) {
        self.client
            .goto(&format!("http://{addr}/ui/"))
            .await
            .expect("the editor loads");
        self.sign_in(token).await;
    }

    /// Types `token` into the token prompt.
    pub async fn sign_in(&mut self, token: &str) {
        self.type_into("token-input", token).await;
        self.click("token-submit").await;
    }

    /// The element `[data-testid=id]`, waited for.
    pub async fn by_id(&self, id: &str) -> Element {
        self.css(&format!("[data-testid=\"{id}\"]")).await
    }

    /// The first element matching `css`, waited for.
    pub async fn css(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
    }

    /// Every element matching `css`, now.
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    /// Clicks `[data-testid=id]`.
    pub async fn click(&self, id: &str) {
        self.by_id(id).await.click().await.expect("click");
    }

    /// Replaces the text of input `[data-testid=id]` with `text`.
    pub async fn type_into(&self, id: &str, text: &str) {
        let input = self.by_id(id).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// Waits (bounded) until `script` (a function body returning a value)
    /// returns something truthy, and returns it.
    pub async fn until(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self
                .client
                .execute(script, vec![])
                .await
                .unwrap_or(Value::Null);
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return value;
            }
            if started.elapsed() > PATIENCE {
                let shot = self.shots.join("timeout.png");
                if let Ok(png) = self.client.screenshot().await {
                    let _ = std::fs::write(&shot, png);
                }
                panic!(
                    "timed out waiting for {what} (screenshot: {})",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Presses the pointer on `from`, moves it in steps to `to` (an element
    /// and an offset from its centre), and releases it: a real drag.
    pub async fn drag(&self, from: &Element, to: &Element, dx: f64, dy: f64) {
        let step = Some(Duration::from_millis(60));
        let actions = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: from.clone(),
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveBy {
                duration: step,
                x: 8.0,
                y: 8.0,
            })
            .then(PointerAction::MoveToElement {
                element: to.clone(),
                duration: step,
                x: dx,
                y: dy,
            })
            .then(PointerAction::MoveToElement {
                element: to.clone(),
                duration: step,
                x: dx + 1.0,
                y: dy,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.perform(actions).await;
    }

    /// Presses the pointer on `element` and moves it by `(dx, dy)` before
    /// releasing it (moving a node: the node follows the pointer).
    pub async fn drag_by(&self, element: &Element, dx: f64, dy: f64) {
        let step = Some(Duration::from_millis(60));
        let actions = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: element.clone(),
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveBy {
                duration: step,
                x: dx / 2.0,
                y: dy / 2.0,
            })
            .then(PointerAction::MoveBy {
                duration: step,
                x: dx / 2.0,
                y: dy / 2.0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.perform(actions).await;
    }

    /// Performs input `actions`, then releases every key and button.
    async fn perform(&self, actions: impl Into<fantoccini::actions::ActionSequence>) {
        self.client
            .perform_actions(actions.into())
            .await
            .expect("input actions");
        self.client.release_actions().await.expect("release");
    }

    /// Presses `keys` together (in order) and releases them (in reverse), as
    /// a keyboard does: `&[Key::Control.into(), 'z']` is Ctrl+Z.
    pub async fn press(&self, keys: &[char]) {
        let mut actions = KeyActions::new("keyboard".into());
        for &value in keys {
            actions = actions.then(KeyAction::Down { value });
        }
        for &value in keys.iter().rev() {
            actions = actions.then(KeyAction::Up { value });
        }
        self.perform(actions).await;
    }

    /// Saves a screenshot named `name` (numbered in order).
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        self.shot += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.shot));
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
