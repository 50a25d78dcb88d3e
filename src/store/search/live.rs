//! The live filter: one kind's texts in memory, narrowed keystroke by
//! keystroke, scored on both cores.

use super::*;

/// One kind's searchable texts, held in memory.
#[derive(Default)]
struct Corpus {
    /// Every text, one after another.
    text: String,
    /// Where each text starts in `text` (one more entry than rows).
    starts: Vec<u32>,
    rowids: Vec<i64>,
    features: Vec<Features>,
}

impl Corpus {
    fn load(
        conn: &Connection,
        kind: Option<ItemKind>,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<Corpus>> {
        // Sized first: grown by doubling, and shrunk to fit, each vector
        // was held twice at once by an allocator that moves what it
        // grows (a million parcels' texts took 427 MiB at the peak for
        // 250 held). Counting reads no text (only the lengths).
        let (rows, bytes): (i64, i64) = conn
            .prepare_cached(SIZE_OF_KIND)?
            .query_row([kind.map(keys::kind_code)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let (rows, bytes) = (
            rows.max(0) as usize,
            (bytes.max(0) as usize).min(u32::MAX as usize),
        );
        let mut c = Corpus {
            text: String::with_capacity(bytes),
            starts: Vec::with_capacity(rows + 1),
            rowids: Vec::with_capacity(rows),
            features: Vec::with_capacity(rows),
        };
        c.starts.push(0);
        let mut stmt = conn.prepare_cached(ROWS_OF_KIND)?;
        let mut rows = stmt.query([kind.map(keys::kind_code)])?;
        let mut n = 0u32;
        while let Some(r) = rows.next()? {
            n += 1;
            if n.is_multiple_of(16384) && cancelled() {
                return Ok(None);
            }
            let Ok(body) = r.get_ref(1)?.as_str() else {
                continue;
            };
            if body.is_empty() {
                continue;
            }
            if c.text.len() + body.len() > u32::MAX as usize {
                break;
            }
            c.rowids.push(r.get(0)?);
            c.features.push(features(body));
            c.text.push_str(body);
            c.starts.push(c.text.len() as u32);
        }
        Ok(Some(c))
    }

    fn len(&self) -> usize {
        self.rowids.len()
    }

    #[inline]
    fn text(&self, i: u32) -> &str {
        let i = i as usize;
        &self.text[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// The rows that may match one query, each with a bound on its score
/// (exact where the row was scored).
struct Level {
    query: String,
    rows: Vec<u32>,
    bounds: Vec<i32>,
    /// The results, and for how many asked.
    results: Vec<(i64, u64)>,
    limit: usize,
}

/// Marks a row found not to match.
const NO_MATCH: i32 = i32::MIN;

/// Rows scored between two looks at `cancelled`, split over the threads.
const CHUNK: usize = 1024;

/// The live filter's search over one kind: texts held in memory (loaded
/// on first use and again when another connection has written, as
/// `PRAGMA data_version` tells), narrowing keystroke by keystroke.
pub struct LiveSearch {
    kind: Option<ItemKind>,
    corpus: Option<Corpus>,
    data_version: Option<i64>,
    /// Queries typed, each extending the one below it.
    levels: Vec<Level>,
    threads: usize,
    /// (rows considered, rows scored) by the last search, for benchmarks.
    last: (usize, usize),
    /// Whether hits carry the positions of the matched characters.
    positions: bool,
}

impl LiveSearch {
    pub fn new(kind: Option<ItemKind>) -> LiveSearch {
        LiveSearch {
            kind,
            corpus: None,
            data_version: None,
            levels: Vec::new(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            last: (0, 0),
            positions: true,
        }
    }

    pub fn kind(&self) -> Option<ItemKind> {
        self.kind
    }

    /// How many rows the last search considered (had the query's
    /// characters) and how many it scored with the matcher.
    pub fn last_work(&self) -> (usize, usize) {
        self.last
    }

    /// Leaves [`Hit::matched`] empty (callers that do not show it).
    pub fn without_positions(mut self) -> LiveSearch {
        self.positions = false;
        self
    }

    /// Uses this many threads for scoring (at least one).
    pub fn with_threads(mut self, n: usize) -> LiveSearch {
        self.threads = n.max(1);
        self
    }

    /// Loads the texts if they are missing or another connection has
    /// written since. `None` when cancelled.
    pub fn refresh(
        &mut self,
        conn: &Connection,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<()>> {
        let v: i64 = conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
        if self.corpus.is_some() && self.data_version == Some(v) {
            return Ok(Some(()));
        }
        self.levels.clear();
        self.corpus = None;
        let Some(c) = Corpus::load(conn, self.kind, cancelled)? else {
            return Ok(None);
        };
        self.corpus = Some(c);
        self.data_version = Some(v);
        Ok(Some(()))
    }

    /// Forgets the texts (they are loaded again on the next search).
    pub fn invalidate(&mut self) {
        self.corpus = None;
        self.levels.clear();
    }

    /// The best `limit` matches of `query`, as [`search`] finds them;
    /// `None` when `cancelled` said so first.
    pub fn search(
        &mut self,
        conn: &Connection,
        query: &str,
        limit: usize,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Vec<Hit>>> {
        // A Cyrillic query searches in the letters its Latin spellings share.
        let q = crate::domain::translit::query_form(query.trim());
        let q = q.as_ref();
        if q.is_empty() || limit == 0 {
            return Ok(Some(Vec::new()));
        }
        if self.refresh(conn, cancelled)?.is_none() {
            return Ok(None);
        }
        let Some(found) = self.rank(q, limit, cancelled) else {
            return Ok(None);
        };
        let Some(corpus) = &self.corpus else {
            return Ok(Some(Vec::new()));
        };
        let mut hits = Vec::with_capacity(found.len());
        for (score, i) in found {
            let i = i as u32;
            if let Some(h) = hit_at(
                conn,
                corpus.rowids[i as usize],
                Some(corpus.text(i)),
                self.positions.then_some(q),
                score,
            )? {
                hits.push(h);
            }
        }
        Ok(Some(hits))
    }

    /// (score, row) of the best `limit` matches, best first.
    fn rank(
        &mut self,
        q: &str,
        limit: usize,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Option<Vec<(i64, u64)>> {
        let corpus = self.corpus.as_ref()?;
        // The same query again (a deleted character retyped, or Esc and
        // back): its results are known.
        if let Some(pos) = self.levels.iter().position(|l| l.query == q) {
            self.levels.truncate(pos + 1);
            let l = &self.levels[pos];
            if l.limit == limit {
                return Some(l.results.clone());
            }
        }
        // Keep the levels whose query the new one extends.
        while self
            .levels
            .last()
            .is_some_and(|l| !subsequence(&l.query, q))
        {
            self.levels.pop();
        }
        let query = Query::new(q);
        let mut level = match self.levels.last() {
            Some(base) if base.query == q => Level {
                query: q.to_string(),
                rows: base.rows.clone(),
                bounds: base.bounds.clone(),
                results: Vec::new(),
                limit,
            },
            Some(base) => narrow(corpus, base, &query, self.threads, cancelled)?,
            None => everything(corpus, &query, self.threads, cancelled)?,
        };
        if self.levels.last().is_some_and(|l| l.query == q) {
            self.levels.pop();
        }
        let mut scored = 0;
        level.results = best_of(
            corpus,
            &mut level,
            &query,
            limit,
            self.threads,
            cancelled,
            &mut scored,
        )?;
        self.last = (level.rows.len(), scored);
        level.limit = limit;
        let results = level.results.clone();
        self.levels.push(level);
        // Bounded memory: drop the oldest levels beyond two million rows.
        while self.levels.len() > 1
            && self.levels.iter().map(|l| l.rows.len()).sum::<usize>() > 2_000_000
        {
            self.levels.remove(0);
        }
        Some(results)
    }
}

/// Splits `0..n` into `parts` ranges and runs `f` on each, on its own
/// thread but the first, returning the results in order.
fn split<T: Send>(
    n: usize,
    parts: usize,
    f: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Vec<T> {
    let parts = parts.clamp(1, n.max(1));
    let per = n.div_ceil(parts);
    let ranges: Vec<std::ops::Range<usize>> = (0..parts)
        .map(|p| (p * per).min(n)..((p + 1) * per).min(n))
        .collect();
    if parts == 1 {
        return vec![f(0..n)];
    }
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = ranges[1..]
            .iter()
            .cloned()
            .map(|r| s.spawn(move || f(r)))
            .collect();
        let mut out = vec![f(ranges[0].clone())];
        for h in handles {
            match h.join() {
                Ok(v) => out.push(v),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    })
}

/// Every row with the query's characters, with its bound.
fn everything(
    corpus: &Corpus,
    query: &Query,
    threads: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Level> {
    let parts = split(corpus.len(), threads, |r| {
        let mut rows = Vec::new();
        let mut bounds = Vec::new();
        for i in r {
            if let Some(b) = query.bound(&corpus.features[i]) {
                rows.push(i as u32);
                bounds.push(b);
            }
        }
        (rows, bounds)
    });
    if cancelled() {
        return None;
    }
    Some(join_level(query, parts))
}

/// The rows of `base` that may match `query` (which extends base's query).
fn narrow(
    corpus: &Corpus,
    base: &Level,
    query: &Query,
    threads: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Level> {
    let parts = split(base.rows.len(), threads, |r| {
        let mut rows = Vec::new();
        let mut bounds = Vec::new();
        for k in r {
            if base.bounds[k] == NO_MATCH {
                continue;
            }
            let i = base.rows[k];
            if let Some(b) = query.bound(&corpus.features[i as usize]) {
                rows.push(i);
                bounds.push(b);
            }
        }
        (rows, bounds)
    });
    if cancelled() {
        return None;
    }
    Some(join_level(query, parts))
}

fn join_level(query: &Query, parts: Vec<(Vec<u32>, Vec<i32>)>) -> Level {
    let n = parts.iter().map(|p| p.0.len()).sum();
    let mut rows = Vec::with_capacity(n);
    let mut bounds = Vec::with_capacity(n);
    for (r, b) in parts {
        rows.extend_from_slice(&r);
        bounds.extend_from_slice(&b);
    }
    Level {
        query: query.text.clone(),
        rows,
        bounds,
        results: Vec::new(),
        limit: 0,
    }
}

/// What became of a row visited for the results.
enum Scored {
    Score(i64),
    /// Not scored: its bound from its text cannot enter the results.
    Bounded(i32),
    NoMatch,
}

/// The best `limit` rows of a level: rows are visited by descending bound
/// (then row order), so the kept results fill with good rows early, and
/// the visit stops at the first row whose bound cannot beat the worst kept
/// result. Scored rows get their exact score as their bound, or are
/// marked as not matching.
fn best_of(
    corpus: &Corpus,
    level: &mut Level,
    query: &Query,
    limit: usize,
    threads: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
    scored_rows: &mut usize,
) -> Option<Vec<(i64, u64)>> {
    let n = level.rows.len();
    if n == 0 {
        return Some(Vec::new());
    }
    // Counting sort by bound, descending; stable, so row order within.
    let lo = level
        .bounds
        .iter()
        .copied()
        .filter(|&b| b != NO_MATCH)
        .min()
        .unwrap_or(0);
    let hi = level.bounds.iter().copied().max().unwrap_or(0);
    let span = (hi - lo) as usize + 1;
    let mut counts = vec![0usize; span + 1];
    for &b in &level.bounds {
        if b != NO_MATCH {
            counts[(hi - b) as usize + 1] += 1;
        }
    }
    for k in 1..counts.len() {
        counts[k] += counts[k - 1];
    }
    let total = counts[span];
    let mut order = vec![0u32; total];
    for (k, &b) in level.bounds.iter().enumerate() {
        if b != NO_MATCH {
            let slot = &mut counts[(hi - b) as usize];
            order[*slot] = k as u32;
            *slot += 1;
        }
    }
    let mut best = Best::new(limit);
    let mut at = 0;
    while at < total {
        if cancelled() {
            return None;
        }
        // The next rows that could still enter the results.
        let mut end = at;
        while end < total && end - at < CHUNK * threads {
            let k = order[end] as usize;
            if !best.could_take(level.bounds[k].into(), u64::from(level.rows[k])) {
                break;
            }
            end += 1;
        }
        if end == at {
            break;
        }
        let batch = &order[at..end];
        // Once the results are full, a row is first bounded again from its
        // text, and scored only if it can still enter them.
        let best_now = &best;
        let scored = split(batch.len(), threads, |r| {
            let mut replica = Replica::new();
            let mut caps = Vec::new();
            batch[r]
                .iter()
                .map(|&k| {
                    let row = level.rows[k as usize];
                    let text = corpus.text(row);
                    if best_now.full() {
                        match query.refined(&corpus.features[row as usize], text, &mut caps) {
                            None => return Scored::NoMatch,
                            Some(b) if !best_now.could_take(b.into(), row.into()) => {
                                return Scored::Bounded(b);
                            }
                            Some(_) => {}
                        }
                    }
                    match replica.score(text, &query.text) {
                        Some(s) => Scored::Score(s),
                        None => Scored::NoMatch,
                    }
                })
                .collect::<Vec<_>>()
        });
        for (&k, score) in batch.iter().zip(scored.into_iter().flatten()) {
            let k = k as usize;
            match score {
                Scored::Score(s) => {
                    *scored_rows += 1;
                    level.bounds[k] = s.clamp(i64::from(i32::MIN + 1), i64::from(i32::MAX)) as i32;
                    best.offer(s, u64::from(level.rows[k]));
                }
                Scored::Bounded(b) => level.bounds[k] = b,
                Scored::NoMatch => level.bounds[k] = NO_MATCH,
            }
        }
        at = end;
    }
    // The results as the matcher itself scores them.
    let kept = best.into_sorted();
    let rescored = split(kept.len(), threads, |r| {
        kept[r]
            .iter()
            .map(|&(replica, i)| {
                let score = skim_score(corpus.text(i as u32), &query.text);
                debug_assert_eq!(score, Some(replica), "{:?}", corpus.text(i as u32));
                (score.unwrap_or(replica), i)
            })
            .collect::<Vec<_>>()
    });
    let mut out: Vec<(i64, u64)> = rescored.into_iter().flatten().collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Some(out)
}
