//! What this process has used so far, for the tools that time the stages
//! (`stage_profile`, `pack_timing` and the other examples): resident
//! memory now and at its peak, and CPU seconds. Linux only (`/proc`); zeros
//! elsewhere. And [`drop_beside`], which frees a stage's large structures
//! off its critical path, and [`made_ahead`], which makes a stream's next
//! block while the last is used.

/// (resident MiB now, peak resident MiB) of this process.
pub fn resident_mib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:") / 1024, field("VmHWM:") / 1024)
}

/// User and system CPU seconds of this process (10 ms resolution).
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis (the command may hold
    // spaces); utime and stime are the 14th and 15th of the whole line, in
    // clock ticks of 10 ms.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    (ticks(11).unwrap_or(0.0) + ticks(12).unwrap_or(0.0)) / 100.0
}

/// Starts the peak resident memory again from what is resident now.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Frees `value` on a thread of its own. A stage's symbols or contexts are
/// tens of thousands of small allocations, and freeing them takes tens of
/// milliseconds that the stage (or the next one) need not wait for. When
/// no thread can be started, `value` is freed here.
pub fn drop_beside<T: Send + 'static>(value: T) {
    let freeing = std::thread::Builder::new()
        .name("doctown-free".into())
        .spawn(move || drop(value));
    drop(freeing);
}

/// The blocks `next` makes, made on a thread of `scope` one block ahead
/// of the receiver: the receiver's work on a block overlaps the making of
/// the next (a stage reading an artifact parses its next block of lines
/// while it maps and writes the last, so neither core waits for the
/// other's serial part). The thread sends until the end (`Ok(None)`) or
/// an error, and stops early when the receiver is dropped.
pub fn made_ahead<'scope, U: Send + 'scope, E: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    mut next: impl FnMut() -> Result<Option<U>, E> + Send + 'scope,
) -> std::sync::mpsc::Receiver<Result<Option<U>, E>> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    scope.spawn(move || loop {
        let block = next();
        let last = !matches!(block, Ok(Some(_)));
        if sender.send(block).is_err() || last {
            return;
        }
    });
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_dropped_beside_is_dropped() {
        struct Signals(std::sync::mpsc::Sender<()>);
        impl Drop for Signals {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        drop_beside(Signals(tx));
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the value was never dropped");
    }

    #[test]
    fn blocks_made_ahead_arrive_in_order_up_to_the_end_or_the_error() {
        let mut n = 0;
        let blocks = std::thread::scope(|scope| {
            let ahead = made_ahead(scope, move || {
                n += 1;
                match n {
                    1..=3 => Ok(Some(n)),
                    _ => Ok(None),
                }
            });
            ahead.iter().collect::<Vec<Result<Option<i32>, ()>>>()
        });
        assert_eq!(blocks, [Ok(Some(1)), Ok(Some(2)), Ok(Some(3)), Ok(None)]);
        let failed = std::thread::scope(|scope| {
            let ahead = made_ahead(scope, || Err::<Option<i32>, _>("unreadable"));
            ahead.iter().collect::<Vec<_>>()
        });
        assert_eq!(failed, [Err("unreadable")]);
    }

    #[test]
    fn a_receiver_dropped_early_stops_the_maker() {
        let made = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let ahead = made_ahead(scope, || {
                made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, ()>(Some(()))
            });
            assert_eq!(ahead.recv(), Ok(Ok(Some(()))));
        });
        // The scope ends only once the maker has stopped (a maker that
        // ignored the dropped receiver would hang it): one block received,
        // one waiting in the channel, one refused.
        assert!(made.load(std::sync::atomic::Ordering::SeqCst) <= 3);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn memory_and_cpu_are_read_on_linux() {
        let (now, peak) = resident_mib();
        assert!(now > 0 && peak >= now, "{now} {peak}");
        let start = cpu_seconds();
        let mut x = 0u64;
        let clock = std::time::Instant::now();
        while clock.elapsed().as_millis() < 100 {
            x = x.wrapping_mul(31).wrapping_add(7);
        }
        std::hint::black_box(x);
        assert!(cpu_seconds() > start, "100 ms of work took no CPU time");
    }
}
