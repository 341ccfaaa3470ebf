//! Running independent work on the machine's cores with `std::thread::scope`: a list of jobs
//! taken in order by a few workers, the results returned in the jobs' order, so that what a
//! command prints never depends on which worker finished first.
//!
//! Depends on nothing but std.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// How many workers to use: the cores this process may run on, at most 4 (the commands'
/// jobs are a dozen templates or two sides of a review; more threads only cost their start).
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(4)
}

/// `f` applied to every item, on up to `workers` threads (the calling one included), results in
/// the items' order. Items are taken one at a time from the front, so put the longest first.
/// With one worker or one item, nothing is spawned. A panic in `f` is resumed on the caller.
pub fn map<T: Sync, R: Send>(items: &[T], workers: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_with(items, workers, || (), |_, item| f(item))
}

/// [`map`] with per-worker state made by `state` (a cache each worker keeps for the jobs it takes).
pub fn map_with<T: Sync, R: Send, S>(
    items: &[T],
    workers: usize,
    state: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let workers = workers.clamp(1, items.len().max(1));
    if workers == 1 {
        let mut s = state();
        return items.iter().map(|item| f(&mut s, item)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let work = || {
        let mut s = state();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let r = f(&mut s, item);
            slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
        }
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        work();
        for h in handles {
            if let Err(panic) = h.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    // Every index below items.len() was taken by exactly one worker, which filled its slot.
    slots.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().flatten().collect()
}

/// A process-wide cache of values made once per key, each in a cell of its own (see
/// [`once_per_key`]).
pub type Cells<K, V> = OnceLock<Mutex<HashMap<K, &'static OnceLock<V>>>>;

/// The value of `key` in `cells`, made by `make` on first use. The map is locked only to find
/// the key's cell, not while the value is made: workers make the values of different keys at the
/// same time (a validation's workers compile the schemas of different types), and a worker
/// asking for a value being made waits for it rather than making it again. Cells and values are
/// never freed: callers keep them for the life of the process, and bound the keys.
pub fn once_per_key<K: Hash + Eq, V>(cells: &'static Cells<K, V>, key: K, make: impl FnOnce() -> V) -> &'static V {
    let cell: &'static OnceLock<V> = {
        let mut map = cells.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key).or_insert_with(|| Box::leak(Box::new(OnceLock::new())))
    };
    cell.get_or_init(make)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_workers() {
        let items: Vec<u64> = (0..200).collect();
        // Uneven jobs, so that workers finish out of order.
        let slow = |n: &u64| (0..(n % 7) * 10_000).fold(*n, |a, b| a.wrapping_mul(31).wrapping_add(b)) % 1000 + n;
        let one = map(&items, 1, slow);
        for workers in [2, 3, 4, 8] {
            assert_eq!(map(&items, workers, slow), one, "{workers} workers");
        }
        assert_eq!(one.len(), 200);
        assert!(map(&Vec::<u64>::new(), 4, slow).is_empty());
    }

    #[test]
    fn each_worker_keeps_its_own_state() {
        let items: Vec<usize> = (0..50).collect();
        // Each result is how many jobs its worker had done before: 0 at least once per worker.
        let done = map_with(
            &items,
            3,
            || 0usize,
            |n, _| {
                *n += 1;
                *n - 1
            },
        );
        assert_eq!(done.len(), 50);
        assert!(done.iter().filter(|d| **d == 0).count() <= 3);
    }

    #[test]
    fn a_value_is_made_once_per_key_and_others_are_not_held_up_while_it_is() {
        static CELLS: Cells<&'static str, usize> = OnceLock::new();
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            // While "slow" is being made, another thread gets "quick": it would wait for the map
            // lock forever if the map were locked while values are made.
            let slow = scope.spawn(move || {
                *once_per_key(&CELLS, "slow", || {
                    MADE.fetch_add(1, Ordering::SeqCst);
                    rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the other key was held up")
                })
            });
            while CELLS.get().is_none_or(|m| !m.lock().unwrap().contains_key("slow")) {
                std::thread::yield_now();
            }
            tx.send(*once_per_key(&CELLS, "quick", || 7)).unwrap();
            assert_eq!(slow.join().unwrap(), 7);
        });
        // Asked again, from several threads: made once.
        let again = map(&[0; 8], 4, |_| *once_per_key(&CELLS, "slow", || usize::MAX));
        assert_eq!(again, vec![7; 8]);
        assert_eq!(MADE.load(Ordering::SeqCst), 1);
    }
}
