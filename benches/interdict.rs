//! `cargo bench`: interdict at scale, on the deterministic demo dataset
//! (1,000,000 parcels unless BENCH_PARCELS says otherwise; generated once
//! into target/bench-data and reused). Prints a table of medians and p95s
//! and writes it as JSON to target/bench-results.json.
//!
//! Nothing here asserts a time: the figures are for the README and for
//! comparing changes.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use interdict::domain::record::set_fields;
use interdict::domain::{ItemKind, Parcel};
use interdict::exchange::demo;
use interdict::store::{OpenOptions, Store, records};
use interdict::tui::app::App;
use interdict::tui::keymap::Keymap;
use interdict::tui::theme::Theme;
use interdict::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Figure {
    name: &'static str,
    samples: Vec<Duration>,
    target: &'static str,
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn dataset(parcels: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench data directory");
    // Bumped whenever the schema or the generator changes.
    const DATA_VERSION: u32 = 3;
    let path = dir.join(format!("demo-v{DATA_VERSION}-{parcels}-seed42.db"));
    let done = dir.join(format!("demo-v{DATA_VERSION}-{parcels}-seed42.done"));
    if !done.exists() {
        let _ = std::fs::remove_file(&path);
        eprintln!(
            "generating {parcels} parcels into {} (once)...",
            path.display()
        );
        let started = Instant::now();
        let mut s = Store::open(&path, OpenOptions::new("bench")).expect("open bench db");
        let mut last = Instant::now();
        demo::generate(&mut s, parcels, 42, |d, t| {
            if last.elapsed() > Duration::from_secs(10) {
                eprintln!("  {d}/{t}");
                last = Instant::now();
            }
        })
        .expect("generate");
        eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());
        std::fs::write(&done, "").expect("mark");
    }
    path
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn key(app: &mut App, code: KeyCode, m: KeyModifiers) {
    app.handle_event(Event::Key(KeyEvent::new(code, m)));
}

fn main() {
    // `cargo bench` passes --bench; a filter argument is not supported.
    let parcels: usize = std::env::var("BENCH_PARCELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let path = dataset(parcels);
    let opts = || OpenOptions::new("bench");
    let mut figures: Vec<Figure> = Vec::new();

    // Start to first frame, warm: open, count, fetch one window, draw.
    let mut samples = Vec::new();
    for run in 0..12 {
        // The first run warms the page cache and is not counted.
        let t = Instant::now();
        let store = Store::open(&path, opts()).expect("open");
        let app = App::new(
            store,
            Keymap::defaults(),
            Theme::new(true),
            view::page_rows(30),
        );
        let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
        term.draw(|f| view::draw(f, &app)).expect("draw");
        if run > 0 {
            samples.push(t.elapsed());
        }
    }
    figures.push(Figure {
        name: "start to first frame (warm)",
        samples,
        target: "p50 <= 30 ms",
    });

    // Frame time while scrolling the parcels: each key plus one draw.
    let store = Store::open(&path, opts()).expect("open");
    let mut app = App::new(
        store,
        Keymap::defaults(),
        Theme::new(true),
        view::page_rows(30),
    );
    let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    key(&mut app, KeyCode::Char('2'), KeyModifiers::NONE);
    let mut samples = Vec::new();
    let moves: Vec<(KeyCode, KeyModifiers)> = (0..200)
        .map(|i| match i % 20 {
            0 => (KeyCode::PageDown, KeyModifiers::NONE),
            1 => (KeyCode::Char('d'), KeyModifiers::CONTROL),
            2 => (KeyCode::Char('u'), KeyModifiers::CONTROL),
            3 => (KeyCode::PageUp, KeyModifiers::NONE),
            7 if i == 107 => (KeyCode::End, KeyModifiers::NONE),
            _ if i > 107 => (KeyCode::Char('k'), KeyModifiers::NONE),
            _ => (KeyCode::Char('j'), KeyModifiers::NONE),
        })
        .collect();
    for (code, m) in moves {
        let t = Instant::now();
        key(&mut app, code, m);
        term.draw(|f| view::draw(f, &app)).expect("draw");
        samples.push(t.elapsed());
    }
    figures.push(Figure {
        name: "frame while scrolling (key + draw)",
        samples,
        target: "p95 <= 5 ms",
    });

    // Jump to the end and back to the top.
    let mut samples = Vec::new();
    for i in 0..10 {
        let code = if i % 2 == 0 {
            KeyCode::End
        } else {
            KeyCode::Home
        };
        let t = Instant::now();
        key(&mut app, code, KeyModifiers::NONE);
        term.draw(|f| view::draw(f, &app)).expect("draw");
        samples.push(t.elapsed());
    }
    figures.push(Figure {
        name: "jump to end / start (key + draw)",
        samples,
        target: "-",
    });

    // Live filter: from each keystroke to its results on screen.
    let mut samples = Vec::new();
    for word in ["almaty", "tea sample", "petrov", "1z0"] {
        key(&mut app, KeyCode::Char('/'), KeyModifiers::NONE);
        for c in word.chars() {
            let t = Instant::now();
            key(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
            app.settle();
            term.draw(|f| view::draw(f, &app)).expect("draw");
            samples.push(t.elapsed());
        }
        key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    }
    figures.push(Figure {
        name: "filter: keystroke to results",
        samples,
        target: "p50 <= 50 ms, p95 <= 100 ms",
    });
    // The input thread's share: how long a keystroke holds the UI.
    let mut samples = Vec::new();
    key(&mut app, KeyCode::Char('/'), KeyModifiers::NONE);
    for c in "kazakhstan".chars() {
        let t = Instant::now();
        key(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
        term.draw(|f| view::draw(f, &app)).expect("draw");
        samples.push(t.elapsed());
    }
    app.settle();
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    figures.push(Figure {
        name: "filter: keystroke on the input thread",
        samples,
        target: "typing never blocked",
    });

    // One saved edit (a form save: one transaction with indexes and audit).
    let ids: Vec<uuid::Uuid> = records::list::<Parcel>(app.store.conn(), 200, parcels / 2)
        .expect("list")
        .iter()
        .map(|p| p.meta.id)
        .collect();
    let mut samples = Vec::new();
    for (i, id) in ids.iter().enumerate().take(100) {
        let t = Instant::now();
        app.store
            .write(|w| {
                let mut p: Parcel = records::must_get(&w.tx, *id)?;
                // A value no earlier run wrote, so every save really writes.
                set_fields(
                    &mut p,
                    &[(
                        "concealment",
                        &format!("edit {i} {}", interdict::domain::meta::now()),
                    )],
                )?;
                records::update(w, &mut p)?;
                Ok(())
            })
            .expect("edit");
        samples.push(t.elapsed());
    }
    figures.push(Figure {
        name: "one saved edit",
        samples,
        target: "p95 <= 1 ms",
    });

    // Connections of one parcel (shared identifiers, one hop).
    let mut samples = Vec::new();
    for id in ids.iter().skip(100) {
        let t = Instant::now();
        let _ = interdict::xref::shared_identifiers(app.store.conn(), *id).expect("xref");
        samples.push(t.elapsed());
    }
    figures.push(Figure {
        name: "connections of one parcel",
        samples,
        target: "p95 <= 1 ms",
    });

    // Two hops out from one parcel.
    let mut samples = Vec::new();
    for id in ids.iter().skip(100).take(50) {
        let t = Instant::now();
        let _ = interdict::xref::graph::walk(
            app.store.conn(),
            interdict::xref::graph::Node {
                kind: ItemKind::Parcel,
                id: *id,
            },
            2,
        )
        .expect("walk");
        samples.push(t.elapsed());
    }
    figures.push(Figure {
        name: "two hops from one parcel",
        samples,
        target: "p95 <= 5 ms",
    });

    // Every network of the notebook.
    let mut samples = Vec::new();
    let mut networks = 0;
    for _ in 0..3 {
        let t = Instant::now();
        networks = interdict::xref::graph::all_clusters(app.store.conn())
            .expect("clusters")
            .len();
        samples.push(t.elapsed());
    }
    eprintln!("{networks} networks of two or more items");
    figures.push(Figure {
        name: "all clusters of the database",
        samples,
        target: "<= 1 s",
    });

    let rss = peak_rss_mib();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let n_parcels = records::count::<Parcel>(app.store.conn()).unwrap_or(0);

    println!(
        "\ninterdict benchmark: {n_parcels} parcels, {}",
        path.display()
    );
    println!(
        "{:<40} {:>10} {:>10} {:>8}  target",
        "figure", "p50 ms", "p95 ms", "n"
    );
    let mut json = Vec::new();
    for f in &mut figures {
        f.samples.sort();
        let (p50, p95) = (pct(&f.samples, 0.5), pct(&f.samples, 0.95));
        println!(
            "{:<40} {:>10.3} {:>10.3} {:>8}  {}",
            f.name,
            ms(p50),
            ms(p95),
            f.samples.len(),
            f.target
        );
        json.push(serde_json::json!({"figure": f.name, "p50_ms": ms(p50), "p95_ms": ms(p95), "n": f.samples.len(), "target": f.target}));
    }
    println!(
        "{:<40} {:>10.1}  MiB (whole bench process)",
        "peak memory", rss
    );
    println!(
        "{:<40} {:>10.0}  bytes",
        "database size per parcel",
        size as f64 / n_parcels.max(1) as f64
    );
    json.push(serde_json::json!({"figure": "peak memory", "mib": rss}));
    json.push(serde_json::json!({"figure": "database size per parcel", "bytes": size as f64 / n_parcels.max(1) as f64}));
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-results.json");
    let _ = std::fs::write(
        &out,
        serde_json::to_string_pretty(&json).unwrap_or_default(),
    );
    println!("written to {}", out.display());
}
