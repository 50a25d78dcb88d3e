//! Asking the processor to bring memory into its cache ahead of use.
//!
//! A long screen looks each row's identifiers up in tables of many
//! megabytes (the notebook's filters, the rows already screened): each
//! look is a wait for memory. Told a row ahead which lines it will read,
//! the processor fetches them while it scores the row before, and the
//! look finds them in its cache.

/// Starts bringing the cache line that holds `value` into the cache, and
/// returns at once. A hint only: nothing is read, and on a processor
/// without the instruction it does nothing.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and cannot fault, whatever the
    // address; this one is a live reference's. SSE, which has it, is part
    // of every x86-64 processor.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hint changes nothing it is given, however large or far.
    #[test]
    fn a_prefetch_leaves_what_it_is_given_as_it_was() {
        let big: Vec<u64> = (0..1 << 20).collect();
        for i in (0..big.len()).step_by(4099) {
            prefetch(&big[i]);
        }
        assert!(big.iter().enumerate().all(|(i, v)| *v == i as u64));
    }
}
