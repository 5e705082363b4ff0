//! `SqsQueue` against moto (`DOCTOWN_TEST_S3_ENDPOINT`, which serves SQS
//! too; started by `scripts/start-moto.sh`). Skips loudly without it.

use doctown_core::Stage;
use doctown_queue::{DeadLetter, QueueNames, QueueSet, SqsConfig, SqsConnection};
use std::time::Duration;

fn queues(test: &str, max_receives: u32) -> Option<QueueSet> {
    let Ok(endpoint) = std::env::var("DOCTOWN_TEST_S3_ENDPOINT") else {
        eprintln!("\n*** SKIPPED {test}: DOCTOWN_TEST_S3_ENDPOINT is not set (scripts/start-moto.sh) ***\n");
        return None;
    };
    let conn = SqsConnection::connect(&SqsConfig::local(endpoint)).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let names = QueueNames::new(format!("t-{test}-{}-{nanos}", std::process::id()));
    Some(QueueSet::sqs(&conn, &names, max_receives, Duration::from_secs(30)).unwrap())
}

#[test]
fn send_receive_heartbeat_delete() {
    let Some(set) = queues("basic", 5) else {
        return;
    };
    let q = set.stage(Stage::Embed).unwrap();
    q.send("hello", Duration::ZERO).unwrap();
    let got = q
        .receive(10, Duration::from_secs(2), Duration::from_secs(2))
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, "hello");
    assert_eq!(got[0].receive_count, 1);
    q.change_visibility(&got[0].receipt, Duration::from_secs(30))
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(q
        .receive(1, Duration::ZERO, Duration::from_secs(2))
        .unwrap()
        .is_empty());
    assert_eq!(q.approximate_depth().unwrap().in_flight, 1);
    q.change_visibility(&got[0].receipt, Duration::ZERO)
        .unwrap();
    let again = q
        .receive(1, Duration::from_secs(2), Duration::from_secs(30))
        .unwrap();
    assert_eq!(again[0].receive_count, 2);
    q.delete(&again[0].receipt).unwrap();
    assert_eq!(q.approximate_depth().unwrap().total(), 0);
    q.send("later", Duration::from_secs(1)).unwrap();
    let started = std::time::Instant::now();
    let later = q
        .receive(1, Duration::from_secs(5), Duration::from_secs(30))
        .unwrap();
    assert_eq!(later.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[test]
fn redrive_moves_poison_to_the_dead_letter_queue() {
    let Some(set) = queues("redrive", 2) else {
        return;
    };
    let q = set.stage(Stage::Pack).unwrap();
    q.send(
        r#"{"v":1,"job_id":"j","stage":"pack","attempt":1}"#,
        Duration::ZERO,
    )
    .unwrap();
    for n in 1..=2 {
        let got = q
            .receive(1, Duration::from_secs(2), Duration::ZERO)
            .unwrap();
        assert_eq!(got.len(), 1, "receive {n}");
        assert_eq!(got[0].receive_count, n);
    }
    assert!(q
        .receive(1, Duration::from_secs(1), Duration::ZERO)
        .unwrap()
        .is_empty());
    let dead = set
        .dead_letter()
        .receive(1, Duration::from_secs(2), Duration::from_secs(30))
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        DeadLetter::parse(&dead[0].body).job_id.unwrap().as_str(),
        "j"
    );
}
