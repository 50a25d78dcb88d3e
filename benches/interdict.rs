//! `cargo bench --bench interdict`: interdict at scale, on the
//! deterministic demo dataset (1,000,000 parcels unless BENCH_PARCELS says
//! otherwise; generated once into <target>/bench-data and reused), beside
//! the tools a user would otherwise reach for where they are installed
//! (fzf). Prints a table (figure, ours, peer, ratio, target, met?) of
//! medians and p95s over repeated trials and writes it as JSON to
//! <target>/bench-results.json.
//!
//! Nothing here asserts a time: the figures are for the README and for
//! comparing changes.

mod data;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use interdict::domain::record::set_fields;
use interdict::domain::{ItemKind, Parcel};
use interdict::store::{OpenOptions, Store, records, search};
use interdict::tui::Session;
use interdict::tui::keymap::Keymap;
use interdict::tui::theme::Theme;
use interdict::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::time::{Duration, Instant};

/// What a figure must reach.
#[derive(Clone, Copy)]
enum Target {
    /// p50 and p95 at most these many milliseconds.
    Ms { p50: Option<f64>, p95: Option<f64> },
    /// At most this many MiB.
    Mib(f64),
    /// Reported only.
    None,
}

impl Target {
    fn text(self) -> String {
        match self {
            Target::Ms { p50, p95 } => [
                p50.map(|v| format!("p50 <= {v} ms")),
                p95.map(|v| format!("p95 <= {v} ms")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
            Target::Mib(v) => format!("<= {v} MiB"),
            Target::None => "reported".into(),
        }
    }
}

struct Figure {
    name: &'static str,
    samples: Vec<Duration>,
    target: Target,
    /// The peer's samples on the same work, when it is installed.
    peer: Option<Result<Vec<Duration>, String>>,
    /// What the peer is.
    peer_name: &'static str,
}

impl Figure {
    fn new(name: &'static str, samples: Vec<Duration>, target: Target) -> Figure {
        Figure {
            name,
            samples,
            target,
            peer: None,
            peer_name: "fzf --filter",
        }
    }
}

/// The interface on a store, as a 100x30 terminal shows it.
/// The interface's terminal: 100 columns by this many lines.
const SCREEN_LINES: u16 = 30;

fn interface(store: Store) -> (Session, Terminal<TestBackend>) {
    let app = Session::new(
        store,
        Keymap::defaults(),
        Theme::new(true),
        view::page_rows(SCREEN_LINES),
    );
    let term = Terminal::new(TestBackend::new(100, SCREEN_LINES)).expect("terminal");
    (app, term)
}

/// Times `f` `runs` times after one untimed run (which warms the cache).
fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    let _ = f();
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect()
}

/// The analyst's counts at scale, each beside SQLite running the
/// equivalent plain `GROUP BY` on the same file (another connection), and
/// a keystroke's cost while a count runs on the worker.
fn analyst_figures(path: &Path, figures: &mut Vec<Figure>) {
    use interdict::analysis::{Scope, dims, freq, routes, trend};
    let store = Store::open(path, OpenOptions::new("bench")).expect("open");
    let conn = store.conn();
    let peer =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("peer connection");
    let parcels = Scope::new(ItemKind::Parcel);
    let sheets: &[(&'static str, &str, &str, Target)] = &[
        (
            "frequency sheet, indexed field (status)",
            "status",
            "SELECT status, count(*) FROM parcels GROUP BY 1",
            Target::Ms {
                p50: Some(200.0),
                p95: None,
            },
        ),
        (
            "frequency sheet, any field (carrier)",
            "carrier",
            "SELECT carrier, count(*) FROM parcels GROUP BY 1",
            Target::Ms {
                p50: Some(1000.0),
                p95: None,
            },
        ),
        (
            "frequency sheet, derived (month of seizure)",
            "month",
            "SELECT substr(seized_on, 1, 7), count(*) FROM parcels GROUP BY 1",
            Target::Ms {
                p50: Some(1000.0),
                p95: None,
            },
        ),
        (
            "frequency sheet, derived (route CN>KZ)",
            "route",
            "SELECT origin || '>' || destination, count(*) FROM parcels GROUP BY 1",
            Target::Ms {
                p50: Some(1000.0),
                p95: None,
            },
        ),
        (
            "frequency sheet, through findings (substance group)",
            "group",
            "SELECT s.\"group\", count(DISTINCT p.n) FROM parcels p JOIN findings f ON f.parcel_id = p.id JOIN substances s ON s.id = f.substance_id GROUP BY 1",
            Target::Ms {
                p50: Some(1000.0),
                p95: None,
            },
        ),
        (
            "frequency sheet, identifier kinds carried",
            "identifier",
            "SELECT count(*), sum(sender_phone <> '' OR recipient_phone <> ''), sum(sender_email <> '' OR recipient_email <> ''), \
             sum(sender_address <> '' OR recipient_address <> ''), sum(sender_name <> '' OR recipient_name <> ''), sum(declared_contents <> '') FROM parcels",
            Target::Ms {
                p50: Some(1000.0),
                p95: None,
            },
        ),
    ];
    for (name, field, sql, target) in sheets {
        let dim = dims::find(ItemKind::Parcel, field).expect("dimension");
        let ours = timed(5, || freq::freq(conn, &parcels, &dim).expect("freq"));
        let theirs = timed(5, || {
            let mut stmt = peer.prepare(sql).expect("peer sql");
            stmt.query_map([], |_| Ok(())).expect("peer query").count()
        });
        let mut f = Figure::new(name, ours, *target);
        f.peer = Some(Ok(theirs));
        f.peer_name = "SQLite GROUP BY";
        figures.push(f);
    }
    let by = dims::find(ItemKind::Parcel, "group").expect("dimension");
    let ours = timed(5, || {
        trend::trend(conn, &parcels, Some(&by), trend::Every::Month, 36).expect("trend")
    });
    let theirs = timed(5, || {
        let mut stmt = peer
            .prepare(
                "SELECT substr(p.seized_on, 1, 7), s.\"group\", count(DISTINCT p.n) FROM parcels p \
                 JOIN findings f ON f.parcel_id = p.id JOIN substances s ON s.id = f.substance_id \
                 WHERE p.seized_on >= '2020-12-01' GROUP BY 1, 2",
            )
            .expect("peer sql");
        stmt.query_map([], |_| Ok(())).expect("peer query").count()
    });
    let mut f = Figure::new(
        "trend over 3 years by substance group, monthly",
        ours,
        Target::Ms {
            p50: Some(500.0),
            p95: None,
        },
    );
    f.peer = Some(Ok(theirs));
    f.peer_name = "SQLite GROUP BY";
    figures.push(f);
    let ours = timed(5, || routes::routes(conn, &parcels).expect("routes"));
    figures.push(Figure::new(
        "route matrix of every parcel",
        ours,
        Target::None,
    ));

    // Keys while a trend computes on the worker: each key plus one draw.
    let (mut app, mut term) = interface(store);
    key(&mut app, KeyCode::Char('2'), KeyModifiers::NONE);
    let mut samples = Vec::new();
    for _ in 0..5 {
        key(&mut app, KeyCode::Char('T'), KeyModifiers::SHIFT);
        for _ in 0..10 {
            let t = Instant::now();
            key(&mut app, KeyCode::Char('w'), KeyModifiers::NONE);
            app.tick();
            term.draw(|f| view::draw(f, &app.app)).expect("draw");
            samples.push(t.elapsed());
        }
        app.settle();
        key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    }
    figures.push(Figure::new(
        "key + frame while counts run (each supersedes)",
        samples,
        Target::Ms {
            p50: None,
            p95: Some(30.0),
        },
    ));
}

fn p50_p95(samples: &[Duration]) -> (Duration, Duration) {
    let mut s = samples.to_vec();
    s.sort();
    (pct(&s, 0.5), pct(&s, 0.95))
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

/// The process's peak resident memory so far (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    status_mib("/proc/self/status", "VmHWM:")
}

fn status_mib(path: &str, field: &str) -> f64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Starts the peak over (Linux: writing 5 to clear_refs resets VmHWM), so
/// generating the dataset does not count.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn key(app: &mut Session, code: KeyCode, m: KeyModifiers) {
    app.handle_event(Event::Key(KeyEvent::new(code, m)));
}

/// Types [`TYPED`] into the interface's parcel filter, word by word:
/// for each keystroke, the time to its first screenful of results drawn
/// (the worker sends the first rows ahead of the rest), to all of them
/// ready to scroll (the best 1000), and the input thread's own share.
fn typed_into_the_filter(
    app: &mut Session,
    term: &mut Terminal<TestBackend>,
) -> (Vec<Duration>, Vec<Duration>, Vec<Duration>) {
    let (mut drawn, mut all_rows, mut input_thread) = (Vec::new(), Vec::new(), Vec::new());
    for word in TYPED {
        key(app, KeyCode::Char('/'), KeyModifiers::NONE);
        for c in word.chars() {
            let t = Instant::now();
            key(app, KeyCode::Char(c), KeyModifiers::NONE);
            input_thread.push(t.elapsed());
            app.settle_shown();
            term.draw(|f| view::draw(f, &app.app)).expect("draw");
            drawn.push(t.elapsed());
            app.settle();
            all_rows.push(t.elapsed());
        }
        key(app, KeyCode::Esc, KeyModifiers::NONE);
    }
    (drawn, all_rows, input_thread)
}

/// The interface on the notebook, first frame drawn, the parcels' pane
/// in front, as a person who has just started it finds it.
fn parcels_in_front(store: Store) -> (Session, Terminal<TestBackend>) {
    let (mut app, mut term) = interface(store);
    term.draw(|f| view::draw(f, &app.app)).expect("draw");
    // As the interface's loop does after each frame: the first tick asks
    // for the parcels' texts to be loaded ahead of the first filter.
    app.tick();
    key(&mut app, KeyCode::Char('2'), KeyModifiers::NONE);
    (app, term)
}

/// The filter's first use, until its answer: the parcels' texts loaded
/// into the search worker (once per kind, and again after another
/// process writes), where the first tick had not finished loading them.
fn first_filter(app: &mut Session) -> Duration {
    let t = Instant::now();
    key(app, KeyCode::Char('/'), KeyModifiers::NONE);
    key(app, KeyCode::Char('x'), KeyModifiers::NONE);
    app.settle();
    key(app, KeyCode::Esc, KeyModifiers::NONE);
    t.elapsed()
}

/// What a person types into the parcel filter: whole words letter by
/// letter (so 1- and 2-letter prefixes), a non-contiguous query, digits
/// and punctuation, and misses. Consecutive words share no prefix, so no
/// keystroke is answered from an earlier identical query.
const TYPED: &[&str] = &[
    "almaty",
    "tea sample",
    "petrov",
    "1z0",
    "almty",
    "+7 701",
    "kazakhstan",
    "qqzx",
    "hamburg",
    "wei omarov",
    "food supp",
    "xjqv",
];

/// Every prefix of every typed word, in typing order.
fn keystrokes() -> Vec<String> {
    TYPED
        .iter()
        .flat_map(|w| {
            let c: Vec<char> = w.chars().collect();
            (1..=c.len()).map(move |n| c[..n].iter().collect::<String>())
        })
        .collect()
}

/// fzf --filter over the same strings, one run per query (fzf reads the
/// whole list each time, as a shell pipeline does): the time of each run
/// and the peak memory of the first (from /usr/bin/time -v).
fn fzf_peer(list: &Path, queries: &[String]) -> Result<(Vec<Duration>, Option<f64>), String> {
    let ok = std::process::Command::new("fzf")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        return Err("not installed".into());
    }
    let mut times = Vec::new();
    for q in queries {
        let input = std::fs::File::open(list).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let out = std::process::Command::new("fzf")
            .args(["--filter", q])
            .stdin(input)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        times.push(t.elapsed());
        // 1: no match, which is an answer too.
        if !matches!(out.code(), Some(0 | 1)) {
            return Err(format!("fzf exited with {out}"));
        }
    }
    let mut peak = None;
    if Path::new("/usr/bin/time").exists()
        && let (Ok(input), Some(q)) = (std::fs::File::open(list), queries.first())
        && let Ok(out) = std::process::Command::new("/usr/bin/time")
            .args(["-v", "fzf", "--filter", q])
            .stdin(input)
            .stdout(std::process::Stdio::null())
            .output()
    {
        let err = String::from_utf8_lossy(&out.stderr);
        peak = err
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(|kib| kib / 1024.0);
    }
    Ok((times, peak))
}

fn main() {
    data::allocate_as_the_binary();
    // `cargo bench` passes --bench; a filter argument is not supported.
    let parcels: usize = std::env::var("BENCH_PARCELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let path = data::dataset(parcels);
    reset_peak_rss();
    // Writes sealed with a key and checkpointed, as the command line and
    // the interface write.
    let keys = data::data_dir().join("bench-keys");
    let seal_key = std::sync::Arc::new(
        interdict::exchange::signing::load_or_create(&keys.join("signing.key")).expect("key"),
    );
    let opts = || {
        let mut o = OpenOptions::new("bench");
        o.seal_key = Some(seal_key.clone());
        o.checkpoints = Some(keys.join("checkpoints"));
        o
    };
    let mut figures: Vec<Figure> = Vec::new();
    let ms_target = |p50: Option<f64>, p95: Option<f64>| Target::Ms { p50, p95 };
    // BENCH_ONLY=search: the search engine alone, query by query (for
    // working on it).
    if std::env::var("BENCH_ONLY").as_deref() == Ok("search") {
        let store = Store::open(&path, opts()).expect("open");
        let mut live = search::LiveSearch::new(Some(ItemKind::Parcel));
        let t = Instant::now();
        let _ = live.search(store.conn(), "x", 1000, &|| false);
        eprintln!(
            "texts loaded in {:.0} ms, peak {:.0} MiB",
            ms(t.elapsed()),
            peak_rss_mib()
        );
        // The first screenful ranked and read (what the interface waits
        // for before drawing), then the rest, as the interface asks.
        let screenful = view::page_rows(SCREEN_LINES);
        let (mut samples, mut firsts) = (Vec::new(), Vec::new());
        for q in keystrokes() {
            let t = Instant::now();
            let rank = |live: &mut search::LiveSearch, limit| {
                live.ranked(store.conn(), &q, limit, &|| false)
                    .expect("rank")
                    .expect("not cancelled")
            };
            let first = rank(&mut live, screenful);
            let _ = live.hits(store.conn(), &first, 0..first.len());
            let shown = t.elapsed();
            let all = rank(&mut live, 1000);
            let _ = live.hits(store.conn(), &all, first.len()..all.len());
            firsts.push(shown);
            samples.push(t.elapsed());
            let (rows, scored) = live.last_work();
            eprintln!(
                "  {q:?}: {:.1} ms ({:.1} ms to the first {screenful}), {rows} rows with its characters, {scored} scored, peak {:.0} MiB",
                ms(t.elapsed()),
                ms(shown),
                peak_rss_mib()
            );
        }
        let (p50, p95) = p50_p95(&samples);
        let (f50, f95) = p50_p95(&firsts);
        eprintln!(
            "p50 {:.1} ms, p95 {:.1} ms (to the first {screenful}: {:.1} / {:.1} ms), peak {:.0} MiB",
            ms(p50),
            ms(p95),
            ms(f50),
            ms(f95),
            peak_rss_mib()
        );
        return;
    }

    // BENCH_ONLY=filter: the interface's live filter alone, keystroke by
    // keystroke from key to first rows drawn, as the full run measures it.
    if std::env::var("BENCH_ONLY").as_deref() == Ok("filter") {
        let (mut app, mut term) = parcels_in_front(Store::open(&path, opts()).expect("open"));
        let loaded = first_filter(&mut app);
        eprintln!(
            "texts loaded in {:.0} ms, peak {:.0} MiB",
            ms(loaded),
            peak_rss_mib()
        );
        let (drawn, all_rows, _) = typed_into_the_filter(&mut app, &mut term);
        for ((q, d), a) in keystrokes().iter().zip(&drawn).zip(&all_rows) {
            eprintln!("  {q:?}: {:.1} ms drawn, {:.1} ms all rows", ms(*d), ms(*a));
        }
        let (p50, p95) = p50_p95(&drawn);
        let (a50, a95) = p50_p95(&all_rows);
        eprintln!(
            "key to first rows drawn p50 {:.1} ms, p95 {:.1} ms (all rows {:.1} / {:.1} ms), peak {:.0} MiB",
            ms(p50),
            ms(p95),
            ms(a50),
            ms(a95),
            peak_rss_mib()
        );
        return;
    }

    // BENCH_ONLY=clusters: every network of the notebook alone (for
    // working on it, under a profiler).
    if std::env::var("BENCH_ONLY").as_deref() == Ok("clusters") {
        let store = Store::open(&path, opts()).expect("open");
        let mut samples = Vec::new();
        for run in 0..6 {
            let t = Instant::now();
            let networks = interdict::xref::graph::all_clusters(store.conn())
                .expect("clusters")
                .len();
            eprintln!("run {run}: {networks} networks, {:.0} ms", ms(t.elapsed()));
            if run > 0 {
                samples.push(t.elapsed());
            }
        }
        let (p50, p95) = p50_p95(&samples);
        eprintln!("all clusters: p50 {:.1} ms, p95 {:.1} ms", ms(p50), ms(p95));
        return;
    }

    // BENCH_ONLY=hops: connections of one parcel and two hops out, alone
    // (the same parcels as the full run's, warmed the same way).
    if std::env::var("BENCH_ONLY").as_deref() == Ok("hops") {
        let store = Store::open(&path, opts()).expect("open");
        let conn = store.conn();
        let ids = middle_parcels(conn, parcels);
        let two_hops = |id: uuid::Uuid| {
            let from = interdict::xref::graph::Node {
                kind: ItemKind::Parcel,
                id,
            };
            interdict::xref::graph::walk(conn, from, 2).expect("walk")
        };
        for id in ids.iter().skip(100) {
            let _ = interdict::xref::shared_identifiers(conn, *id).expect("xref");
            two_hops(*id);
        }
        for round in 0..20 {
            let mut samples = Vec::new();
            let mut reached = 0;
            for id in ids.iter().skip(100).take(50) {
                let t = Instant::now();
                reached += two_hops(*id).len();
                samples.push(t.elapsed());
            }
            if round == 0 || round == 19 {
                let (p50, p95) = p50_p95(&samples);
                eprintln!(
                    "two hops: p50 {:.2} ms, p95 {:.2} ms ({reached} reached)",
                    ms(p50),
                    ms(p95)
                );
            }
        }
        return;
    }

    // BENCH_ONLY=edit: the saved-edit figures alone, on the notebook
    // opened as the interface opens it.
    if std::env::var("BENCH_ONLY").as_deref() == Ok("edit") {
        let mut store = Store::open(&path, opts()).expect("open");
        let ids = middle_parcels(store.conn(), parcels);
        for f in saved_edits(&mut store, &ids) {
            let (p50, p95) = p50_p95(&f.samples);
            eprintln!("{}: p50 {:.3} ms, p95 {:.3} ms", f.name, ms(p50), ms(p95));
        }
        return;
    }

    // BENCH_ONLY=stats: the analyst's counts alone.
    if std::env::var("BENCH_ONLY").as_deref() == Ok("stats") {
        analyst_figures(&path, &mut figures);
        for f in &figures {
            let (p50, p95) = p50_p95(&f.samples);
            let peer = match &f.peer {
                Some(Ok(t)) => {
                    let (q50, _) = p50_p95(t);
                    format!(
                        "  {}: {:.1} ms (ratio {:.2})",
                        f.peer_name,
                        ms(q50),
                        ms(q50) / ms(p50).max(1e-6)
                    )
                }
                _ => String::new(),
            };
            eprintln!(
                "{}: p50 {:.1} ms, p95 {:.1} ms{peer}",
                f.name,
                ms(p50),
                ms(p95)
            );
        }
        return;
    }

    // Start to first frame, warm: open, count, fetch one window, draw.
    let mut samples = Vec::new();
    for run in 0..12 {
        // The first run warms the page cache and is not counted.
        let t = Instant::now();
        let store = Store::open(&path, opts()).expect("open");
        let app = Session::new(
            store,
            Keymap::defaults(),
            Theme::new(true),
            view::page_rows(30),
        );
        let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
        term.draw(|f| view::draw(f, &app.app)).expect("draw");
        if run > 0 {
            samples.push(t.elapsed());
        }
    }
    // BENCH_ONLY=start: the start-up figure alone.
    if std::env::var("BENCH_ONLY").as_deref() == Ok("start") {
        let (p50, p95) = p50_p95(&samples);
        eprintln!(
            "start to first frame: p50 {:.1} ms, p95 {:.1} ms",
            ms(p50),
            ms(p95)
        );
        return;
    }
    figures.push(Figure::new(
        "start to first frame, 1M database, warm",
        samples,
        ms_target(Some(30.0), None),
    ));

    // Frame time while scrolling the parcels: each key plus one draw.
    let (mut app, mut term) = parcels_in_front(Store::open(&path, opts()).expect("open"));
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
        term.draw(|f| view::draw(f, &app.app)).expect("draw");
        samples.push(t.elapsed());
    }
    figures.push(Figure::new(
        "frame while scrolling (key + draw)",
        samples,
        ms_target(None, Some(5.0)),
    ));

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
        term.draw(|f| view::draw(f, &app.app)).expect("draw");
        samples.push(t.elapsed());
    }
    figures.push(Figure::new(
        "jump to end / start (key + draw)",
        samples,
        Target::None,
    ));

    // Live filter: its first use, then what a person types.
    figures.push(Figure::new(
        "filter: first use (texts loaded)",
        vec![first_filter(&mut app)],
        Target::None,
    ));
    // From each keystroke to its results drawn, as the TUI sees it.
    let typed = keystrokes();
    let (samples, all_rows, input_thread) = typed_into_the_filter(&mut app, &mut term);
    let mut search_figure = Figure::new(
        "fuzzy search per keystroke, 1M parcels (key to results drawn)",
        samples,
        ms_target(Some(30.0), Some(100.0)),
    );
    let search_ready_mib = peak_rss_mib();
    // The same strings for fzf, one per line.
    let list = data::target_dir().join(format!(
        "bench-data/parcels-v{}-{parcels}.txt",
        data::DATA_VERSION
    ));
    if !list.exists() {
        let mut text = String::new();
        interdict::store::search::parcel_texts(app.runner.store.conn(), |_, body| {
            text.push_str(&body.replace('\n', " "));
            text.push('\n');
        })
        .expect("texts");
        std::fs::write(&list, text).expect("write list");
    }
    let mut fzf_peak = None;
    search_figure.peer = Some(fzf_peer(&list, &typed).map(|(t, peak)| {
        fzf_peak = peak;
        t
    }));
    figures.push(search_figure);
    figures.push(Figure::new(
        "  all 1000 rows ready to scroll",
        all_rows,
        Target::None,
    ));
    // Typing is never blocked: the input thread's share of a keystroke.
    figures.push(Figure::new(
        "filter: keystroke on the input thread",
        input_thread,
        ms_target(None, Some(5.0)),
    ));
    // The search alone (no rows fetched for display), on a fresh index.
    let mut live = search::LiveSearch::new(Some(ItemKind::Parcel));
    let _ = live.search(app.runner.store.conn(), "x", 1000, &|| false);
    let mut samples = Vec::new();
    for q in &typed {
        let t = Instant::now();
        let _ = live.search(app.runner.store.conn(), q, 1000, &|| false);
        samples.push(t.elapsed());
        if std::env::var_os("BENCH_VERBOSE").is_some() {
            let (rows, scored) = live.last_work();
            eprintln!(
                "  search {q:?}: {:.1} ms, {rows} rows with its characters, {scored} scored",
                ms(t.elapsed())
            );
        }
    }
    drop(live);
    figures.push(Figure::new(
        "  of which the search (top 1000, no rows drawn)",
        samples,
        Target::None,
    ));
    // Each query alone, nothing narrowed (a pasted query).
    let mut live = search::LiveSearch::new(Some(ItemKind::Parcel));
    let _ = live.search(app.runner.store.conn(), "x", 1000, &|| false);
    let mut samples = Vec::new();
    for w in TYPED {
        live.search(app.runner.store.conn(), "x", 1000, &|| false)
            .ok();
        let t = Instant::now();
        let _ = live.search(app.runner.store.conn(), w, 1000, &|| false);
        samples.push(t.elapsed());
    }
    drop(live);
    figures.push(Figure::new(
        "  a whole query pasted (no narrowing)",
        samples,
        Target::None,
    ));

    // One saved edit (a form save: one transaction with indexes and audit).
    let ids = middle_parcels(app.runner.store.conn(), parcels);
    figures.extend(saved_edits(&mut app.runner.store, &ids));

    // Connections of one parcel (shared identifiers, one hop). Each of
    // these (and the walks, and the clusters) runs once first, uncounted,
    // as an analyst's notebook is warm in the page cache: a first read of
    // pages from disk is the disk's figure, not interdict's.
    let two_hops = |conn: &rusqlite::Connection, id: uuid::Uuid| {
        let from = interdict::xref::graph::Node {
            kind: ItemKind::Parcel,
            id,
        };
        interdict::xref::graph::walk(conn, from, 2).expect("walk");
    };
    for id in ids.iter().skip(100) {
        let _ = interdict::xref::shared_identifiers(app.runner.store.conn(), *id).expect("xref");
        two_hops(app.runner.store.conn(), *id);
    }
    let mut samples = Vec::new();
    for id in ids.iter().skip(100) {
        let t = Instant::now();
        let _ = interdict::xref::shared_identifiers(app.runner.store.conn(), *id).expect("xref");
        samples.push(t.elapsed());
    }
    figures.push(Figure::new(
        "connections of one parcel (1 hop)",
        samples,
        ms_target(None, Some(1.0)),
    ));

    // Two hops out from one parcel.
    let mut samples = Vec::new();
    for id in ids.iter().skip(100).take(50) {
        let t = Instant::now();
        two_hops(app.runner.store.conn(), *id);
        samples.push(t.elapsed());
    }
    figures.push(Figure::new(
        "two hops from one parcel",
        samples,
        ms_target(None, Some(5.0)),
    ));

    // Every network of the notebook.
    let mut samples = Vec::new();
    let mut networks = 0;
    for run in 0..6 {
        let t = Instant::now();
        networks = interdict::xref::graph::all_clusters(app.runner.store.conn())
            .expect("clusters")
            .len();
        if run > 0 {
            samples.push(t.elapsed());
        }
    }
    eprintln!("{networks} networks of two or more items");
    figures.push(Figure::new(
        "all clusters of the database",
        samples,
        ms_target(Some(1000.0), None),
    ));

    analyst_figures(&path, &mut figures);

    let rss = peak_rss_mib();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(path.with_extension("db-wal")).map_or(0, |m| m.len());
    let n_parcels = records::count::<Parcel>(app.runner.store.conn()).unwrap_or(0);
    // The CSV form of the same parcels (also what the import bench reads).
    let csv = data::csv_form(&path, parcels);
    let csv_size = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0);

    // The table: medians (p50) and p95 in milliseconds; ratio = peer /
    // ours, so above 1 means interdict is faster or smaller.
    println!(
        "\ninterdict benchmark: {n_parcels} parcels, {}",
        path.display()
    );
    println!(
        "{:<62} {:>18} {:>18} {:>7}  {:<26} met?",
        "figure", "ours p50 / p95", "peer p50 / p95", "ratio", "target"
    );
    let mut json = Vec::new();
    let row = |name: &str, ours: String, peer: String, ratio: String, target: String, met: &str| {
        println!("{name:<62} {ours:>18} {peer:>18} {ratio:>7}  {target:<26} {met}");
    };
    for f in &figures {
        let (p50, p95) = p50_p95(&f.samples);
        let ours = format!("{:.2} / {:.2}", ms(p50), ms(p95));
        let (peer, ratio, peer_json) = match &f.peer {
            None => ("-".to_string(), "-".to_string(), serde_json::Value::Null),
            Some(Err(why)) => (why.clone(), "-".to_string(), serde_json::json!(why)),
            Some(Ok(t)) => {
                let (q50, q95) = p50_p95(t);
                (
                    format!("{:.1} / {:.1}", ms(q50), ms(q95)),
                    format!("{:.1}", ms(q50) / ms(p50).max(1e-6)),
                    serde_json::json!({"name": f.peer_name, "p50_ms": ms(q50), "p95_ms": ms(q95), "n": t.len()}),
                )
            }
        };
        let met = match f.target {
            Target::Ms { p50: a, p95: b } => {
                let ok = a.is_none_or(|a| ms(p50) <= a) && b.is_none_or(|b| ms(p95) <= b);
                if ok { "yes" } else { "NO" }
            }
            _ => "-",
        };
        row(f.name, ours, peer, ratio.clone(), f.target.text(), met);
        json.push(serde_json::json!({
            "figure": f.name.trim(),
            "p50_ms": ms(p50),
            "p95_ms": ms(p95),
            "n": f.samples.len(),
            "peer": peer_json,
            "ratio_peer_over_ours": ratio.parse::<f64>().ok(),
            "target": f.target.text(),
            "met": met,
        }));
    }
    // CSV import, full path, beside sqlite3 .import: measured by
    // `cargo bench --bench sharing` (benches/sharing.rs). ROW RESERVED HERE
    // for its figure once both benches share one table.
    row(
        "CSV import, full path (see benches/sharing.rs)",
        "-".into(),
        "sqlite3 .import".into(),
        "-".into(),
        "ratio >= 1.0".into(),
        "-",
    );
    json.push(serde_json::json!({"figure": "CSV import, full path", "see": "benches/sharing.rs", "target": "ratio >= 1.0"}));

    let mem_target = 256.0;
    let fzf_mem = match (
        &figures
            .iter()
            .find(|f| f.peer.is_some())
            .and_then(|f| f.peer.as_ref()),
        fzf_peak,
    ) {
        (Some(Ok(_)), Some(m)) => Ok(m),
        (Some(Err(why)), _) => Err(why.clone()),
        _ => Err("not measured".to_string()),
    };
    row(
        "peak memory, TUI with search ready (MiB)",
        format!("{search_ready_mib:.0}"),
        fzf_mem
            .as_ref()
            .map_or_else(|e| e.clone(), |m| format!("{m:.0}")),
        fzf_mem.as_ref().map_or("-".into(), |m| {
            format!("{:.1}", m / search_ready_mib.max(1e-6))
        }),
        Target::Mib(mem_target).text(),
        if search_ready_mib <= mem_target {
            "yes"
        } else {
            "NO"
        },
    );
    row(
        "peak memory, whole bench process (MiB)",
        format!("{rss:.0}"),
        "-".into(),
        "-".into(),
        "reported".into(),
        "-",
    );
    let per_parcel = size as f64 / n_parcels.max(1) as f64;
    let csv_per_parcel = csv_size as f64 / n_parcels.max(1) as f64;
    row(
        "database size per parcel (bytes; peer: the CSV's)",
        format!("{per_parcel:.0}"),
        format!("{csv_per_parcel:.0}"),
        format!("{:.2}", csv_per_parcel / per_parcel.max(1e-6)),
        "reported".into(),
        "-",
    );
    json.push(serde_json::json!({"figure": "peak memory, TUI with search ready", "mib": search_ready_mib, "peer": fzf_mem.as_ref().ok(), "target": "<= 256 MiB", "met": search_ready_mib <= mem_target}));
    json.push(serde_json::json!({"figure": "peak memory, whole bench process", "mib": rss}));
    json.push(serde_json::json!({"figure": "database size per parcel", "bytes": per_parcel, "peer_csv_bytes": csv_per_parcel}));
    let out = data::target_dir().join("bench-results.json");
    let _ = std::fs::write(
        &out,
        serde_json::to_string_pretty(&serde_json::json!({
            "parcels": n_parcels,
            "database": path.display().to_string(),
            "ratio": "peer / ours: above 1, interdict is faster or smaller",
            "figures": json,
        }))
        .unwrap_or_default(),
    );
    println!("written to {}", out.display());
}

/// 400 parcels from the middle of the notebook, the ones the figures of
/// one item (edits, connections, walks) are taken on.
fn middle_parcels(conn: &rusqlite::Connection, parcels: usize) -> Vec<uuid::Uuid> {
    records::list::<Parcel>(conn, 400, parcels / 2)
        .expect("list")
        .iter()
        .map(|p| p.meta.id)
        .collect()
}

/// The saved-edit figures: one saved edit (a form save: one transaction
/// with indexes and audit), the work before its commit, and an edit that
/// changes identifiers, on parcels from the middle of the notebook.
fn saved_edits(store: &mut Store, ids: &[uuid::Uuid]) -> Vec<Figure> {
    let mut figures = Vec::new();
    let edit = |store: &mut Store, id: uuid::Uuid, field: &str, value: String| {
        let t = Instant::now();
        store
            .write(|w| {
                let mut p: Parcel = records::must_get(&w.tx, id)?;
                set_fields(&mut p, &[(field, &value)])?;
                records::update(w, &mut p)?;
                Ok(())
            })
            .expect("edit");
        t.elapsed()
    };
    let stamp = interdict::domain::meta::now();
    let stamp_digits: usize = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as usize);
    // Warm the pages the edits touch, as a form save finds them.
    for (i, id) in ids.iter().enumerate().skip(300) {
        edit(store, *id, "concealment", format!("warm {i} {stamp}"));
    }
    // A value no earlier run wrote, so every save really writes; the
    // concealment is in the search text, so the search row is rewritten.
    let samples = (0..200)
        .map(|i| {
            edit(
                store,
                ids[i % ids.len()],
                "concealment",
                format!("edit {i} {stamp}"),
            )
        })
        .collect();
    figures.push(Figure::new(
        "one saved edit (form save, one transaction)",
        samples,
        Target::Ms {
            p50: None,
            p95: Some(1.0),
        },
    ));
    // Where a save's time goes: the same work rolled back (no commit).
    let rolled_back: Vec<Duration> = (0..100)
        .map(|i| {
            let id = ids[i % ids.len()];
            let t = Instant::now();
            let _ = store.write_maybe(|w| {
                let mut p: Parcel = records::must_get(&w.tx, id)?;
                set_fields(&mut p, &[("concealment", &format!("dry {i} {stamp}"))])?;
                records::update(w, &mut p)?;
                Ok(((), false))
            });
            t.elapsed()
        })
        .collect();
    figures.push(Figure::new(
        "  of which the work before commit",
        rolled_back,
        Target::None,
    ));
    // An edit that also changes identifiers (a new sender phone).
    let samples = (0..100)
        .map(|i| {
            edit(
                store,
                ids[(200 + i) % ids.len()],
                "sender_phone",
                // Digits from this run's time (in milliseconds: runs of
                // `BENCH_ONLY=edit` a second apart wrote the same phones,
                // edits that changed nothing), so a rerun changes it again.
                format!(
                    "+7 701 {:03} {:02} {:02}",
                    i,
                    stamp_digits % 100,
                    (i * 7) % 100
                ),
            )
        })
        .collect();
    figures.push(Figure::new(
        "  an edit that changes identifiers",
        samples,
        Target::None,
    ));
    figures
}
