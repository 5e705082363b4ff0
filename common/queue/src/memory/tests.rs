//! The memory queue behaves like SQS where the workers depend on it.

use super::*;

const VIS: Duration = Duration::from_millis(150);

#[test]
fn visibility_timeout_redelivers_with_a_higher_count() {
    let q = MemoryQueue::new("q");
    q.send("a", Duration::ZERO).unwrap();
    let first = q.receive(10, Duration::ZERO, VIS).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].receive_count, 1);
    assert!(q.receive(10, Duration::ZERO, VIS).unwrap().is_empty());
    assert_eq!(q.approximate_depth().unwrap().in_flight, 1);
    // Long poll picks it up once it is visible again.
    let again = q.receive(10, Duration::from_secs(2), VIS).unwrap();
    assert_eq!(again[0].receive_count, 2);
    // The old receipt is stale: deleting with it does nothing.
    q.delete(&first[0].receipt).unwrap();
    assert_eq!(q.approximate_depth().unwrap().total(), 1);
    q.delete(&again[0].receipt).unwrap();
    assert_eq!(q.approximate_depth().unwrap().total(), 0);
}

#[test]
fn heartbeat_keeps_a_message_hidden_and_zero_releases_it() {
    let q = MemoryQueue::new("q");
    q.send("a", Duration::ZERO).unwrap();
    let m = q.receive(1, Duration::ZERO, VIS).unwrap().remove(0);
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(80));
        q.change_visibility(&m.receipt, VIS).unwrap();
        assert!(q.receive(1, Duration::ZERO, VIS).unwrap().is_empty());
    }
    q.change_visibility(&m.receipt, Duration::ZERO).unwrap();
    assert_eq!(q.receive(1, Duration::ZERO, VIS).unwrap().len(), 1);
    assert!(q.change_visibility("nope", VIS).is_err());
}

#[test]
fn delays_and_long_polls() {
    let q = MemoryQueue::new("q");
    q.send("later", Duration::from_millis(200)).unwrap();
    assert_eq!(q.approximate_depth().unwrap().delayed, 1);
    assert!(q.receive(1, Duration::ZERO, VIS).unwrap().is_empty());
    let started = Instant::now();
    let got = q.receive(1, Duration::from_secs(3), VIS).unwrap();
    assert_eq!(got.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
    let started = Instant::now();
    assert!(q
        .receive(1, Duration::from_millis(100), VIS)
        .unwrap()
        .is_empty());
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert!(q.send("x", Duration::from_secs(901)).is_err());
}

#[test]
fn redrives_to_the_dead_letter_queue_after_max_receives() {
    let dlq = MemoryQueue::new("dlq");
    let q = MemoryQueue::new("q").with_redrive(&dlq, 2);
    q.send("poison", Duration::ZERO).unwrap();
    for n in 1..=2 {
        let m = q.receive(1, Duration::ZERO, Duration::ZERO).unwrap();
        assert_eq!(m[0].receive_count, n);
    }
    assert!(q.receive(1, Duration::ZERO, VIS).unwrap().is_empty());
    assert_eq!(dlq.bodies(), vec!["poison"]);
    let dead = dlq.receive(1, Duration::ZERO, VIS).unwrap();
    assert_eq!(dead[0].receive_count, 3);
}

#[test]
fn concurrent_consumers_never_share_a_message() {
    let q = MemoryQueue::new("q");
    for i in 0..200 {
        q.send(&i.to_string(), Duration::ZERO).unwrap();
    }
    let seen: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let got = q
                            .receive(3, Duration::from_millis(50), Duration::from_secs(60))
                            .unwrap();
                        if got.is_empty() {
                            return mine;
                        }
                        for m in got {
                            q.delete(&m.receipt).unwrap();
                            mine.push(m.body);
                        }
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<String> = seen.into_iter().flatten().collect();
    all.sort_by_key(|b| b.parse::<u32>().unwrap());
    assert_eq!(all.len(), 200);
    all.dedup();
    assert_eq!(all.len(), 200);
}
