//! The best `limit` results so far, and whether a row could still join them.

/// Keeps the best `limit` of (score, row order) pairs: higher score first,
/// earlier row first among equals.
pub(super) struct Best {
    limit: usize,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(i64, std::cmp::Reverse<u64>)>>,
}

impl Best {
    pub(super) fn new(limit: usize) -> Best {
        Best {
            limit,
            heap: std::collections::BinaryHeap::new(),
        }
    }

    pub(super) fn full(&self) -> bool {
        self.heap.len() >= self.limit
    }

    /// The worst kept result, once `limit` are kept.
    pub(super) fn worst(&self) -> Option<(i64, u64)> {
        if !self.full() {
            return None;
        }
        self.heap.peek().map(|r| (r.0.0, r.0.1.0))
    }

    /// True when a row with at most `bound` at position `order` could still
    /// enter the results.
    pub(super) fn could_take(&self, bound: i64, order: u64) -> bool {
        match self.worst() {
            None => true,
            Some((score, at)) => bound > score || (bound == score && order < at),
        }
    }

    pub(super) fn offer(&mut self, score: i64, order: u64) {
        if !self.could_take(score, order) {
            return;
        }
        self.heap
            .push(std::cmp::Reverse((score, std::cmp::Reverse(order))));
        if self.heap.len() > self.limit {
            self.heap.pop();
        }
    }

    /// Best first.
    pub(super) fn into_sorted(self) -> Vec<(i64, u64)> {
        let mut v: Vec<(i64, u64)> = self.heap.into_iter().map(|r| (r.0.0, r.0.1.0)).collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        v
    }
}
