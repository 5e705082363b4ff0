//! `SqsQueue` against moto (`DOCTOWN_TEST_S3_ENDPOINT`, which serves SQS
//! too; started by `scripts/start-moto.sh`). Ignored by a plain `cargo test`;
//! `scripts/test.sh` runs them with `--include-ignored` and the server up,
//! and without the variable they fail rather than pass.

use doctown_core::Stage;
use doctown_queue::{DeadLetter, QueueNames, QueueSet, SqsConfig, SqsConnection};
use std::time::Duration;

const NEEDS_MOTO: &str =
    "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)";

/// The moto endpoint; a test that runs without one fails.
fn endpoint() -> String {
    match std::env::var("DOCTOWN_TEST_S3_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => panic!("{NEEDS_MOTO}: DOCTOWN_TEST_S3_ENDPOINT is not set; run `bash scripts/start-moto.sh` and export what it prints"),
    }
}

fn queues(test: &str, max_receives: u32) -> QueueSet {
    let endpoint = endpoint();
    let conn = SqsConnection::connect(&SqsConfig::local(endpoint)).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let names = QueueNames::new(format!("t-{test}-{}-{nanos}", std::process::id()));
    QueueSet::sqs(&conn, &names, max_receives, Duration::from_secs(30)).unwrap()
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn send_receive_heartbeat_delete() {
    let set = queues("basic", 5);
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
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn redrive_moves_poison_to_the_dead_letter_queue() {
    let set = queues("redrive", 2);
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
