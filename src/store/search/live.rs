//! The live filter: one kind's texts in memory, narrowed keystroke by
//! keystroke, scored on both cores.

use super::*;

/// One kind's searchable texts, held in memory.
#[derive(Default)]
struct Corpus {
    /// Every text, one after another, each field separator (`" | "`,
    /// which joins an item's fields in its search row) held as the one
    /// character [`SEPARATOR`]: a million parcels' texts hold twelve
    /// each, 17 MiB of 175 saved.
    text: String,
    /// Where each text starts in `text` (one more entry than rows).
    starts: Vec<u32>,
    /// The rows held as written, because they hold [`SEPARATOR`]
    /// themselves (one bit a row).
    verbatim: Vec<u64>,
    rowids: Rowids,
    features: Vec<Features>,
}

/// How a search row joins an item's fields.
const FIELD_BREAK: &str = " | ";
/// What stands for [`FIELD_BREAK`] in the live filter's memory.
const SEPARATOR: char = '\u{1f}';

/// Each text's item key. Rows are read in key order, so each is held as
/// its distance from the first (4 bytes a row, not 8: 4 MiB for a million
/// parcels) while the distances fit.
enum Rowids {
    Near { first: i64, after: Vec<u32> },
    Far(Vec<i64>),
}

impl Default for Rowids {
    fn default() -> Rowids {
        Rowids::Far(Vec::new())
    }
}

impl Rowids {
    fn with_capacity(n: usize) -> Rowids {
        Rowids::Near {
            first: 0,
            after: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, rowid: i64) {
        match self {
            Rowids::Near { first, after } => {
                if after.is_empty() {
                    *first = rowid;
                }
                match u32::try_from(rowid.wrapping_sub(*first)) {
                    Ok(d) => after.push(d),
                    Err(_) => {
                        let mut all: Vec<i64> = Vec::with_capacity(after.capacity());
                        all.extend(after.iter().map(|&d| *first + i64::from(d)));
                        all.push(rowid);
                        *self = Rowids::Far(all);
                    }
                }
            }
            Rowids::Far(all) => all.push(rowid),
        }
    }

    fn get(&self, i: usize) -> i64 {
        match self {
            Rowids::Near { first, after } => first + i64::from(after[i]),
            Rowids::Far(all) => all[i],
        }
    }

    fn len(&self) -> usize {
        match self {
            Rowids::Near { after, .. } => after.len(),
            Rowids::Far(all) => all.len(),
        }
    }
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
        let (rows, bytes) = super::rows::size(conn, kind)?;
        let (rows, bytes) = (
            rows.max(0) as usize,
            (bytes.max(0) as usize).min(u32::MAX as usize),
        );
        let mut c = Corpus {
            text: String::with_capacity(bytes),
            starts: Vec::with_capacity(rows + 1),
            verbatim: Vec::new(),
            rowids: Rowids::with_capacity(rows),
            features: Vec::with_capacity(rows),
        };
        c.starts.push(0);
        let mut n = 0u32;
        let mut stopped = false;
        super::rows::each(conn, kind, super::rows::Span::ALL, |key, body| {
            n += 1;
            if n.is_multiple_of(16384) && cancelled() {
                stopped = true;
                return Ok(false);
            }
            if body.is_empty() {
                return Ok(true);
            }
            if c.text.len() + body.len() > u32::MAX as usize {
                return Ok(false);
            }
            c.rowids.push(key);
            c.features.push(features(body));
            let row = c.starts.len() - 1;
            if body.contains(SEPARATOR) {
                if c.verbatim.len() <= row / 64 {
                    c.verbatim.resize(row / 64 + 1, 0);
                }
                c.verbatim[row / 64] |= 1 << (row % 64);
                c.text.push_str(body);
            } else {
                for (k, field) in body.split(FIELD_BREAK).enumerate() {
                    if k > 0 {
                        c.text.push(SEPARATOR);
                    }
                    c.text.push_str(field);
                }
            }
            c.starts.push(c.text.len() as u32);
            Ok(true)
        })?;
        if stopped {
            return Ok(None);
        }
        // (Shrinking gives back the pages the separators did not use,
        // which were never touched.)
        c.text.shrink_to_fit();
        Ok(Some(c))
    }

    fn len(&self) -> usize {
        self.rowids.len()
    }

    /// A row's text as held, with [`SEPARATOR`] for each field break;
    /// `None` for a row held as written (it holds that character itself).
    fn held(&self, i: u32) -> Option<&str> {
        let (held, verbatim) = self.stored(i);
        (!verbatim).then_some(held)
    }

    /// Row `i` as stored, and whether it is held as written.
    fn stored(&self, i: u32) -> (&str, bool) {
        let i = i as usize;
        let verbatim = self
            .verbatim
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1);
        (
            &self.text[self.starts[i] as usize..self.starts[i + 1] as usize],
            verbatim,
        )
    }

    /// Row `i`'s text as it was written, spelled out in `buf` where its
    /// field separators have to be.
    #[inline]
    fn text<'a>(&'a self, i: u32, buf: &'a mut String) -> &'a str {
        let (held, verbatim) = self.stored(i);
        if verbatim || !held.contains(SEPARATOR) {
            return held;
        }
        buf.clear();
        for (k, field) in held.split(SEPARATOR).enumerate() {
            if k > 0 {
                buf.push_str(FIELD_BREAK);
            }
            buf.push_str(field);
        }
        buf
    }
}

/// The rows that may match one query, each with a bound on its score
/// (exact where the row was scored).
struct Level {
    query: String,
    rows: Vec<u32>,
    bounds: Vec<i32>,
    /// The rows whose bound is their score (one bit a row): every other
    /// bound is of the form [`Query::bound_capped`] makes, which a longer
    /// query carries on (see [`narrow`]).
    exact: Vec<u64>,
    /// The results, and for how many asked.
    results: Vec<(i64, u64)>,
    limit: usize,
}

/// The most rows the levels hold between them (8 bytes each).
const LEVEL_ROWS: usize = 2_000_000;

fn level_rows(levels: &[Level]) -> usize {
    levels.iter().map(|l| l.rows.len()).sum()
}

/// Marks a row found not to match.
const NO_MATCH: i32 = i32::MIN;

/// Rows scored between two looks at `cancelled`, split over the threads.
const CHUNK: usize = 1024;

/// A live search's best matches, ranked, not yet read from the notebook.
pub struct Ranked {
    /// The query as searched (its Latin form).
    query: String,
    /// (score, row of the texts), best first.
    found: Vec<(i64, u64)>,
    /// Which load of the texts the rows are of.
    loaded: u64,
}

impl Ranked {
    pub fn len(&self) -> usize {
        self.found.len()
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Whether `other` ranks rows of the same load of the texts (its
    /// first rows then are these, where both rank the same query).
    pub fn same_load(&self, other: &Ranked) -> bool {
        self.loaded == other.loaded
    }
}

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
    /// How many times the texts were loaded.
    loaded: u64,
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
            loaded: 0,
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
        self.loaded += 1;
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
        let Some(ranked) = self.ranked(conn, query, limit, cancelled)? else {
            return Ok(None);
        };
        self.hits(conn, &ranked, 0..ranked.len()).map(Some)
    }

    /// The best `limit` matches of `query` ranked, before any is read
    /// from the notebook (a thousand hits read take longer than ranking
    /// most keystrokes, so a caller reads the ones it shows first and the
    /// rest after, with [`LiveSearch::hits`]); `None` when `cancelled`
    /// said so first.
    pub fn ranked(
        &mut self,
        conn: &Connection,
        query: &str,
        limit: usize,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Ranked>> {
        // A Cyrillic query searches in the letters its Latin spellings share.
        let q = crate::domain::translit::query_form(query.trim()).into_owned();
        if q.is_empty() || limit == 0 {
            return Ok(Some(Ranked {
                query: q,
                found: Vec::new(),
                loaded: self.loaded,
            }));
        }
        if self.refresh(conn, cancelled)?.is_none() {
            return Ok(None);
        }
        let Some(found) = self.rank(&q, limit, cancelled) else {
            return Ok(None);
        };
        Ok(Some(Ranked {
            query: q,
            found,
            loaded: self.loaded,
        }))
    }

    /// The hits of `ranked` (from [`LiveSearch::ranked`]) in `range`,
    /// best first; a row rewritten since the texts were loaded is left
    /// out, and so is every row once the texts have been loaded again.
    pub fn hits(
        &self,
        conn: &Connection,
        ranked: &Ranked,
        range: std::ops::Range<usize>,
    ) -> Result<Vec<Hit>> {
        let Some(corpus) = self
            .corpus
            .as_ref()
            .filter(|_| ranked.loaded == self.loaded)
        else {
            return Ok(Vec::new());
        };
        let mut hits = Vec::with_capacity(range.len());
        let mut buf = String::new();
        for &(score, i) in &ranked.found[range] {
            let i = i as u32;
            if let Some(h) = hit_at(
                conn,
                corpus.rowids.get(i as usize),
                Some(corpus.text(i, &mut buf)),
                self.positions.then_some(ranked.query.as_str()),
                score,
            )? {
                hits.push(h);
            }
        }
        Ok(hits)
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
        // back, or the first screenful of results asked for after all of
        // them): its results are known, the best `limit` of a longer list
        // too.
        if let Some(pos) = self.levels.iter().position(|l| l.query == q) {
            self.levels.truncate(pos + 1);
            let l = &self.levels[pos];
            if l.limit >= limit {
                return Some(l.results[..limit.min(l.results.len())].to_vec());
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
        // Bounded memory: the levels kept and the one about to be made
        // stay within LEVEL_ROWS rows; the oldest go first, never the one
        // the new level narrows.
        let coming = match self.levels.last() {
            Some(l) if l.query == q => 0,
            Some(l) => l.rows.len(),
            None => corpus.len(),
        };
        while self.levels.len() > 1 && level_rows(&self.levels) + coming > LEVEL_ROWS {
            self.levels.remove(0);
        }
        let query = Query::new(q);
        // The same query for more results (the interface asks for the
        // first screenful, then for the rest): its level goes on, with the
        // rows it scored known.
        let mut level = match self.levels.last() {
            Some(base) if base.query == q => self.levels.pop()?,
            Some(base) => narrow(corpus, base, &query, self.threads, cancelled)?,
            None => everything(corpus, &query, self.threads, cancelled)?,
        };
        let mut scored = 0;
        let found = best_of(
            corpus,
            &mut level,
            &query,
            limit,
            self.threads,
            cancelled,
            &mut scored,
        );
        let Some(found) = found else {
            // Its bounds stay true; it has no results.
            level.limit = 0;
            level.results.clear();
            self.levels.push(level);
            return None;
        };
        level.results = found;
        self.last = (level.rows.len(), scored);
        level.limit = limit;
        let results = level.results.clone();
        self.levels.push(level);
        while self.levels.len() > 1 && level_rows(&self.levels) > LEVEL_ROWS {
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
    let level = level_of(query, corpus.len(), threads, |i| {
        query.bound(&corpus.features[i]).map(|b| (i as u32, b))
    });
    (!cancelled()).then_some(level)
}

/// The rows of `base` that may match `query` (which extends base's query).
///
/// Where base's query is a prefix of this one of at least two
/// characters, a row's bound is carried on: every character a bound
/// counts after the second is counted on its own (from its place and the
/// character before it only, [`Query::bound_after`]), so a bound made
/// from the row's text (or carried) plus what the new characters add is
/// a bound too: the longer query's features' bound less the room the
/// text took off the shorter's (`a_bound_carried_on_holds` checks it). A row scored at the
/// level before is bounded from its features alone (a score is not
/// carried: the matcher's reused rows can raise a longer query's score
/// by more than its new characters earn).
fn narrow(
    corpus: &Corpus,
    base: &Level,
    query: &Query,
    threads: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Level> {
    // The characters base's query has, when this one carries its bounds on.
    let carried = base.query.chars().count();
    let carries = carried >= 2 && query.text.starts_with(&base.query);
    let level = level_of(query, base.rows.len(), threads, |k| {
        if base.bounds[k] == NO_MATCH {
            return None;
        }
        let i = base.rows[k];
        let f = &corpus.features[i as usize];
        let bound = if carries && !is_set(&base.exact, k) {
            base.bounds[k] + query.bound_after(f, carried)?
        } else {
            query.bound(f)?
        };
        Some((i, bound))
    });
    (!cancelled()).then_some(level)
}

fn is_set(bits: &[u64], k: usize) -> bool {
    bits.get(k / 64).is_some_and(|w| w >> (k % 64) & 1 == 1)
}

fn set(bits: &mut [u64], k: usize, on: bool) {
    if on {
        bits[k / 64] |= 1 << (k % 64);
    } else {
        bits[k / 64] &= !(1 << (k % 64));
    }
}

/// The level of the rows `keep` keeps among `0..n` (each as its row and
/// bound), found on `threads` threads. Each thread writes into its own
/// stretch of one pair of vectors sized for every row, and the stretches
/// are then closed up: a million-row level is 8 MiB, held once (threads'
/// own vectors, grown and then copied into one, held it about twice).
fn level_of(
    query: &Query,
    n: usize,
    threads: usize,
    keep: impl Fn(usize) -> Option<(u32, i32)> + Sync,
) -> Level {
    let mut rows = vec![0u32; n];
    let mut bounds = vec![0i32; n];
    let per = n.div_ceil(threads.clamp(1, n.max(1))).max(1);
    let fill = |start: usize, rows: &mut [u32], bounds: &mut [i32]| {
        let mut kept = 0;
        for k in 0..rows.len() {
            if let Some((row, bound)) = keep(start + k) {
                rows[kept] = row;
                bounds[kept] = bound;
                kept += 1;
            }
        }
        (start, kept)
    };
    let stretches: Vec<(usize, usize)> = std::thread::scope(|s| {
        let fill = &fill;
        let mut parts = rows.chunks_mut(per).zip(bounds.chunks_mut(per)).enumerate();
        let first = parts.next();
        let handles: Vec<_> = parts
            .map(|(p, (r, b))| s.spawn(move || fill(p * per, r, b)))
            .collect();
        let mut out: Vec<(usize, usize)> =
            first.map(|(_, (r, b))| fill(0, r, b)).into_iter().collect();
        for h in handles {
            match h.join() {
                Ok(v) => out.push(v),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    });
    let mut end = 0;
    for (start, kept) in stretches {
        rows.copy_within(start..start + kept, end);
        bounds.copy_within(start..start + kept, end);
        end += kept;
    }
    rows.truncate(end);
    bounds.truncate(end);
    rows.shrink_to_fit();
    bounds.shrink_to_fit();
    Level {
        query: query.text.clone(),
        exact: vec![0; rows.len().div_ceil(64)],
        rows,
        bounds,
        results: Vec::new(),
        limit: 0,
    }
}

/// What became of a row visited for the results.
enum Scored {
    Score(i64),
    /// Scored before (for fewer results).
    Known(i64),
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
    // Rows by bound, descending, row order within: counted by bound in
    // one pass, then gathered a few thousand at a time, best bounds
    // first, one pass over the bounds each time (a light keystroke reads
    // a few thousand of a million rows; sorting them all took longer).
    let (mut lo, mut hi) = (i32::MAX, i32::MIN);
    for &b in &level.bounds {
        if b != NO_MATCH {
            lo = lo.min(b);
            hi = hi.max(b);
        }
    }
    if lo > hi {
        return Some(Vec::new());
    }
    let span = (hi - lo) as usize + 1;
    let mut counts = vec![0usize; span];
    for &b in &level.bounds {
        if b != NO_MATCH {
            counts[(hi - b) as usize] += 1;
        }
    }
    let mut best = Best::new(limit);
    // Buckets (bounds hi - j) gathered so far, and how many rows the next
    // gathering takes at least.
    let mut gathered = 0;
    let mut want = (4 * limit).max(4 * CHUNK * threads);
    let mut order: Vec<u32> = Vec::new();
    let mut slots = vec![0usize; span];
    let mut visited = vec![0u64; n.div_ceil(64)];
    'rounds: while gathered < span {
        // No row of a bucket still to gather can enter the results.
        if !best.could_take(i64::from(hi) - gathered as i64, 0) {
            break;
        }
        let from = gathered;
        let mut got = 0;
        while gathered < span && got < want {
            slots[gathered] = got;
            got += counts[gathered];
            gathered += 1;
        }
        want = want.saturating_mul(4);
        order.clear();
        order.resize(got, 0);
        // Rows whose bound has changed since they were counted were
        // visited: every one is in an earlier bucket than it now is.
        for (k, &b) in level.bounds.iter().enumerate() {
            if b == NO_MATCH {
                continue;
            }
            let j = (hi - b) as usize;
            if (from..gathered).contains(&j) && !is_set(&visited, k) {
                order[slots[j]] = k as u32;
                slots[j] += 1;
            }
        }
        let mut at = 0;
        let total = order.len();
        while at < total {
            if cancelled() {
                return None;
            }
            // The next rows that could still enter the results: once the
            // results are full, four times as many a batch (most are then
            // bounded from their text and never scored, and each batch
            // starts a thread).
            let batch_rows = CHUNK * threads * if best.full() { 4 } else { 1 };
            let mut end = at;
            while end < total && end - at < batch_rows {
                let k = order[end] as usize;
                if !best.could_take(level.bounds[k].into(), u64::from(level.rows[k])) {
                    break;
                }
                end += 1;
            }
            if end == at {
                break 'rounds;
            }
            let batch = &order[at..end];
            let best_now = &best;
            let scored = split(batch.len(), threads, |r| {
                let mut replica = Replica::new();
                let mut caps = Vec::new();
                let mut matched = Caps::default();
                let mut buf = String::new();
                batch[r]
                    .iter()
                    .map(|&k| {
                        let row = level.rows[k as usize];
                        if is_set(&level.exact, k as usize) {
                            return Scored::Known(level.bounds[k as usize].into());
                        }
                        let f = &corpus.features[row as usize];
                        // What a bound from the row's text makes of it: `None`
                        // when it may still enter the results.
                        let judged = |bound: Option<i32>| match bound {
                            None => Some(Scored::NoMatch),
                            Some(b) if !best_now.could_take(b.into(), row.into()) => {
                                Some(Scored::Bounded(b))
                            }
                            Some(_) => None,
                        };
                        // Read as held where the sparse programme reads
                        // it: once the results are full, bounded from the
                        // query's matches first, then scored from them.
                        let full = best_now.full();
                        if let Some(held) = corpus.held(row)
                            && let Some(found) = replica.collect_held(held, SEPARATOR, &query.text)
                        {
                            if !found {
                                return Scored::NoMatch;
                            }
                            if full && query.text.len() >= 2 {
                                replica.caps(&mut matched);
                                if let Some(s) = judged(Some(query.bound_matched(f, &matched))) {
                                    return s;
                                }
                            }
                            return Scored::Score(replica.run());
                        }
                        // Else written out, bounded from its text, scored.
                        let text = corpus.text(row, &mut buf);
                        if full && let Some(s) = judged(query.refined(f, text, &mut caps)) {
                            return s;
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
                set(&mut visited, k, true);
                match score {
                    Scored::Known(s) => best.offer(s, u64::from(level.rows[k])),
                    Scored::Score(s) => {
                        *scored_rows += 1;
                        level.bounds[k] =
                            s.clamp(i64::from(i32::MIN + 1), i64::from(i32::MAX)) as i32;
                        set(&mut level.exact, k, true);
                        best.offer(s, u64::from(level.rows[k]));
                    }
                    // The tighter of the two bounds (both of the form a
                    // longer query carries on).
                    Scored::Bounded(b) => level.bounds[k] = level.bounds[k].min(b),
                    Scored::NoMatch => level.bounds[k] = NO_MATCH,
                }
            }
            at = end;
        }
    }
    // The replica's scores are the matcher's (proptests check both
    // programmes against it); debug builds, every test, check each result.
    let out = best.into_sorted();
    if cfg!(debug_assertions) {
        let mut buf = String::new();
        for &(replica, i) in &out {
            let text = corpus.text(i as u32, &mut buf);
            assert_eq!(skim_score(text, &query.text), Some(replica), "{text:?}");
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    /// Field separators are held as one character, and every row reads
    /// back as its search row holds it: separators at either end, next to
    /// each other, bars that are not separators, and a row that holds the
    /// stand-in character itself.
    #[test]
    fn texts_are_held_with_one_character_a_separator_and_read_as_written() {
        let (_d, s) = temp_store();
        let bodies = [
            "EV123456785CN | China Post | CN | KZ | tea sample",
            "a | | b",
            "ends with one | ",
            " | starts with one",
            "a|b |c| d ||| e",
            "holds \u{1f} itself | and a separator",
            "no separator",
            "Алматы | Almaty",
        ];
        let code = keys::kind_code(ItemKind::Case);
        for (n, body) in bodies.iter().enumerate() {
            s.conn()
                .execute(
                    "INSERT INTO search_items (item, label, body) VALUES (?1, 'x', ?2)",
                    (keys::item_key(ItemKind::Case, 1000 + n as i64), body),
                )
                .unwrap();
        }
        let mut rows = s
            .conn()
            .prepare("SELECT item, body FROM search_items WHERE (item & 15) = ?1 ORDER BY item")
            .unwrap();
        let written: Vec<(i64, String)> = rows
            .query_map([code], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(written.len() >= bodies.len());
        let c = Corpus::load(s.conn(), Some(ItemKind::Case), &|| false)
            .unwrap()
            .unwrap();
        assert_eq!(c.len(), written.len());
        let mut buf = String::new();
        for (i, (item, body)) in written.iter().enumerate() {
            assert_eq!(c.text(i as u32, &mut buf), body, "row {i}");
            assert_eq!(c.rowids.get(i), *item);
        }
        // Two bytes saved for each separator of each row but the one that
        // holds the stand-in itself.
        let total: usize = written.iter().map(|(_, b)| b.len()).sum();
        let separators: usize = written
            .iter()
            .filter(|(_, b)| !b.contains(SEPARATOR))
            .map(|(_, b)| b.matches(FIELD_BREAK).count())
            .sum();
        assert!(separators >= 8);
        assert_eq!(c.text.len(), total - 2 * separators);
    }

    /// Ranked hits read in parts are the search's, and none is read from
    /// a ranking made before the texts were loaded again (its rows would
    /// be another load's).
    #[test]
    fn ranked_hits_are_read_in_parts_and_never_across_a_reload() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            for n in 0..30 {
                let city = ["Almaty", "almaty", "Alma-Ata", "Aktau Lm"][n % 4];
                let (mut p, _) = crate::domain::record::new_record::<crate::domain::Parcel>(&[
                    ("tracking", &{
                        let serial = [1, 2, 3, 4, 5, 6, (n / 10) as u8, (n % 10) as u8];
                        let digits: String = serial.iter().map(|d| d.to_string()).collect();
                        format!("RR{digits}{}KZ", crate::domain::s10::check_digit(&serial))
                    }),
                    ("recipient_address", &format!("{city}, ul. Abaya {n}")),
                ])?;
                crate::store::create::parcel(w, &mut p)?;
            }
            Ok(())
        })
        .unwrap();
        let mut live = LiveSearch::new(Some(ItemKind::Parcel));
        let whole = live
            .search(s.conn(), "alm", 20, &|| false)
            .unwrap()
            .unwrap();
        assert_eq!(whole.len(), 20);
        let ranked = live
            .ranked(s.conn(), "alm", 20, &|| false)
            .unwrap()
            .unwrap();
        assert_eq!(ranked.len(), 20);
        let mut parts = live.hits(s.conn(), &ranked, 0..7).unwrap();
        parts.extend(live.hits(s.conn(), &ranked, 7..20).unwrap());
        let ids = |h: &[Hit]| h.iter().map(|h| (h.id, h.score)).collect::<Vec<_>>();
        assert_eq!(ids(&parts), ids(&whole));
        // The first few ranked, then more: the first are the best of
        // the more, which are the whole search's.
        let mut fresh = LiveSearch::new(Some(ItemKind::Parcel));
        let few = fresh
            .ranked(s.conn(), "alm", 5, &|| false)
            .unwrap()
            .unwrap();
        let more = fresh
            .ranked(s.conn(), "alm", 20, &|| false)
            .unwrap()
            .unwrap();
        assert!(more.same_load(&few));
        assert_eq!(few.found[..], more.found[..5]);
        assert_eq!(
            ids(&fresh.hits(s.conn(), &more, 0..20).unwrap()),
            ids(&whole)
        );
        // And fewer again: the first of those known.
        let again = fresh
            .ranked(s.conn(), "alm", 3, &|| false)
            .unwrap()
            .unwrap();
        assert_eq!(again.found[..], more.found[..3]);
        live.invalidate();
        assert!(live.hits(s.conn(), &ranked, 0..20).unwrap().is_empty());
        let again = live
            .ranked(s.conn(), "alm", 20, &|| false)
            .unwrap()
            .unwrap();
        assert!(live.hits(s.conn(), &ranked, 0..20).unwrap().is_empty());
        assert_eq!(
            ids(&live.hits(s.conn(), &again, 0..20).unwrap()),
            ids(&whole)
        );
    }

    #[test]
    fn rowids_are_held_as_distances_until_one_is_too_far() {
        let mut r = Rowids::with_capacity(3);
        for id in [7, 9, 7 + i64::from(u32::MAX)] {
            r.push(id);
        }
        assert!(matches!(r, Rowids::Near { .. }));
        r.push(8 + i64::from(u32::MAX));
        assert!(matches!(r, Rowids::Far(_)));
        r.push(1 << 40);
        let all: Vec<i64> = (0..r.len()).map(|i| r.get(i)).collect();
        assert_eq!(
            all,
            [
                7,
                9,
                7 + i64::from(u32::MAX),
                8 + i64::from(u32::MAX),
                1 << 40
            ]
        );
    }
}
