//! The accounts database on SQLite and on a real PostgreSQL: migrations up
//! and down, and every repository's queries — users and their sealed
//! tokens, sessions, OAuth states, API keys, admission under a quota (also
//! concurrently), reconciliation with state documents, the library and
//! share links, Stripe events, and SQL injection strings through every
//! string field.

mod support;

use doctown_accounts::db::latest_version;
use doctown_accounts::jobs::Visibility;
use doctown_accounts::reconcile::{DocpackFacts, JobUpdate};
use doctown_accounts::stripe::{PlanChange, Subject};
use doctown_accounts::{
    AccountsError, Db, GitHubProfile, Keyring, NewJob, PlanName, Scope, WebhookOutcome,
};
use std::time::Duration;

const TABLES: [&str; 12] = [
    "admission_locks",
    "api_keys",
    "docpacks",
    "installations",
    "jobs",
    "oauth_states",
    "plans",
    "repositories",
    "sessions",
    "stripe_events",
    "usage",
    "users",
];

/// Sessions' absolute lifetime in the tests that do not test it.
const LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

/// Strings that break string-built SQL.
const NASTY: [&str; 5] = [
    "'; DROP TABLE users; --",
    "\" OR 1=1 --",
    "Robert'); DELETE FROM jobs; --",
    "$1 ?1 :x @y",
    "\\'\u{0}é☃",
];

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (db, _dir) = crate::support::sqlite().await;
                super::$name(db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL (DOCTOWN_TEST_DATABASE_URL; scripts/test.sh starts one)"]
            async fn postgres() {
                super::$name(crate::support::postgres().await).await;
            }
        }
    };
}

on_both!(migrations_go_down_and_up);
on_both!(users_sessions_and_states);
on_both!(api_keys);
on_both!(admission_counts_the_quota_exactly);
on_both!(reconciliation_and_library);
on_both!(stripe_events_apply_once);
on_both!(injection_strings_are_data);
on_both!(rotating_the_key_reseals_every_secret);

fn profile(id: i64, login: &str) -> GitHubProfile {
    GitHubProfile {
        id,
        login: login.into(),
        name: Some(format!("{login} name")),
        email: Some(format!("{login}@example.com")),
        avatar_url: None,
    }
}

fn new_job(id: &str, owner: Option<i64>) -> NewJob {
    NewJob {
        id: id.into(),
        owner_id: owner,
        api_key_id: None,
        client_ip: Some("203.0.113.9".into()),
        source: "https://github.com/o/r".into(),
        git_ref: Some("main".into()),
        private: false,
        visibility: Visibility::Private,
    }
}

async fn migrations_go_down_and_up(db: Db) {
    assert_eq!(db.tables().await.unwrap(), TABLES);
    db.migrate_down(0).await.unwrap();
    assert!(
        db.tables().await.unwrap().is_empty(),
        "down removes every table"
    );
    db.migrate_up().await.unwrap();
    assert_eq!(db.tables().await.unwrap(), TABLES);
    db.migrate_up().await.unwrap();
    assert_eq!(latest_version(), 2);
}

async fn users_sessions_and_states(db: Db) {
    let keyring = Keyring::ephemeral();
    let user = db
        .upsert_github_user(&profile(42, "ada"), Some("gho_TOKEN42"), &keyring)
        .await
        .unwrap();
    assert_eq!((user.login.as_str(), user.plan), ("ada", PlanName::Free));
    // Upsert by GitHub id: a new login, the same user; a sign-in without a token keeps it.
    let again = db
        .upsert_github_user(&profile(42, "ada2"), None, &keyring)
        .await
        .unwrap();
    assert_eq!((again.id, again.login.as_str()), (user.id, "ada2"));
    assert_eq!(
        db.github_token(user.id, &keyring).await.unwrap().as_deref(),
        Some("gho_TOKEN42")
    );
    // The token is not stored in clear.
    let raw: Vec<u8> = sqlx::Row::get(
        &sqlx::query("SELECT github_token FROM users")
            .fetch_one(&db.pool)
            .await
            .unwrap(),
        0,
    );
    assert!(!raw.windows(11).any(|w| w == b"gho_TOKEN42"));

    let ttl = Duration::from_secs(3600);
    let first = db.create_session(user.id, ttl, None).await.unwrap();
    let found = db
        .session(&first.token, ttl, LIFETIME)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.user.id, found.csrf_token.as_str()),
        (user.id, first.csrf_token.as_str())
    );
    // Rotation: signing in again replaces the old session.
    let second = db
        .create_session(user.id, ttl, Some(&first.token))
        .await
        .unwrap();
    assert!(db
        .session(&first.token, ttl, LIFETIME)
        .await
        .unwrap()
        .is_none());
    assert!(db
        .session(&second.token, ttl, LIFETIME)
        .await
        .unwrap()
        .is_some());
    db.delete_session(&second.token).await.unwrap();
    assert!(
        db.session(&second.token, ttl, LIFETIME)
            .await
            .unwrap()
            .is_none(),
        "logged out"
    );
    let expired = db
        .create_session(user.id, Duration::from_millis(1), None)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(db
        .session(&expired.token, ttl, LIFETIME)
        .await
        .unwrap()
        .is_none());
    // However often it is used, a session ends at its absolute lifetime.
    let bea = db
        .upsert_github_user(&profile(43, "bea"), None, &keyring)
        .await
        .unwrap();
    let busy = db.create_session(bea.id, ttl, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let short = Duration::from_millis(2);
    assert!(db.session(&busy.token, ttl, short).await.unwrap().is_none());
    assert!(db
        .session(&busy.token, ttl, LIFETIME)
        .await
        .unwrap()
        .is_some());
    // Signing out everywhere ends them all, and only the user's.
    let other = db.create_session(bea.id, ttl, None).await.unwrap();
    assert_eq!(db.delete_sessions_of(bea.id).await.unwrap(), 2);
    for token in [&busy.token, &other.token] {
        assert!(db.session(token, ttl, LIFETIME).await.unwrap().is_none());
    }

    let state = db
        .create_oauth_state("verifier", "/library", ttl)
        .await
        .unwrap();
    assert!(matches!(
        db.take_oauth_state("forged").await,
        Err(AccountsError::Unauthorized(_))
    ));
    let taken = db.take_oauth_state(&state).await.unwrap();
    assert_eq!(
        (taken.pkce_verifier.as_str(), taken.redirect_to.as_str()),
        ("verifier", "/library")
    );
    assert!(
        db.take_oauth_state(&state).await.is_err(),
        "a state works once"
    );
    let old = db
        .create_oauth_state("v", "/", Duration::from_millis(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(db.take_oauth_state(&old).await.is_err(), "expired");
    assert!(db.purge_expired().await.unwrap() >= 1);
}

async fn api_keys(db: Db) {
    let keyring = Keyring::ephemeral();
    let ada = db
        .upsert_github_user(&profile(1, "ada"), None, &keyring)
        .await
        .unwrap();
    let bob = db
        .upsert_github_user(&profile(2, "bob"), None, &keyring)
        .await
        .unwrap();
    let (key, secret) = db
        .create_key(ada.id, "ci", &[Scope::Build, Scope::Read])
        .await
        .unwrap();
    assert_eq!(key.scopes, [Scope::Read, Scope::Build]);
    assert!(secret.starts_with(&key.prefix));
    let (who, used) = db.verify_key(&secret).await.unwrap().unwrap();
    assert_eq!((who.id, used.id), (ada.id, key.id));
    assert!(
        db.keys(ada.id).await.unwrap()[0].last_used_at.is_some(),
        "last use recorded"
    );
    // A wrong secret with the right prefix, garbage, another's revoke: refused.
    let mut wrong = secret.clone();
    wrong.pop();
    wrong.push(if secret.ends_with('a') { 'b' } else { 'a' });
    assert!(db.verify_key(&wrong).await.unwrap().is_none());
    assert!(db.verify_key("dt_nothing").await.unwrap().is_none());
    assert!(matches!(
        db.revoke_key(bob.id, key.id).await,
        Err(AccountsError::NotFound(_))
    ));
    db.revoke_key(ada.id, key.id).await.unwrap();
    assert!(db.verify_key(&secret).await.unwrap().is_none(), "revoked");
    assert!(db.keys(ada.id).await.unwrap().is_empty());
    assert!(db.create_key(ada.id, "", &[Scope::Read]).await.is_err());
    assert!(db.create_key(ada.id, "x", &[]).await.is_err());
}

async fn admission_counts_the_quota_exactly(db: Db) {
    let keyring = Keyring::ephemeral();
    let ada = db
        .upsert_github_user(&profile(1, "ada"), None, &keyring)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.insert_job(&new_job(&format!("job-{i:03}"), Some(ada.id)), Some(5))
                .await
        }));
    }
    let mut admitted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => admitted += 1,
            Err(AccountsError::Quota(_)) => {}
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(
        admitted, 5,
        "exactly the quota, however the requests interleave"
    );
    let standing = db.standing(ada.id).await.unwrap();
    assert_eq!((standing.jobs_this_month, standing.active_jobs), (5, 5));
    // A launch that failed gives its job back.
    let first = db.jobs_of(ada.id, None, 10).await.unwrap()[0].id.clone();
    db.fail_admission(&first, "launcher down").await.unwrap();
    assert_eq!(db.standing(ada.id).await.unwrap().jobs_this_month, 4);
    assert_eq!(db.job(&first).await.unwrap().unwrap().status, "failed");
    // Anonymous jobs are counted per address.
    db.insert_job(&new_job("job-anon", None), None)
        .await
        .unwrap();
    assert_eq!(db.anonymous_jobs_since("203.0.113.9", 0).await.unwrap(), 1);
    assert_eq!(db.anonymous_jobs_since("198.51.100.1", 0).await.unwrap(), 0);
    // Paging by cursor.
    let page = db.jobs_of(ada.id, Some("job-003"), 10).await.unwrap();
    assert!(page.iter().all(|j| j.id.as_str() < "job-003"));
}

fn finished(id: &str, cost: i64) -> JobUpdate {
    JobUpdate {
        id: id.into(),
        status: "succeeded".into(),
        commit: Some("c0ffee".into()),
        cost_micros: cost,
        duration_ms: Some(1200),
        error: None,
        finished_at: Some(1),
        docpack: Some(DocpackFacts {
            name: "demo".into(),
            storage_key: format!("jobs/{id}/pack/demo.docpack"),
            checksum: Some("ab".repeat(32)),
            size_bytes: Some(1234),
        }),
    }
}

async fn reconciliation_and_library(db: Db) {
    let keyring = Keyring::ephemeral();
    let ada = db
        .upsert_github_user(&profile(1, "ada"), None, &keyring)
        .await
        .unwrap();
    let bob = db
        .upsert_github_user(&profile(2, "bob"), None, &keyring)
        .await
        .unwrap();
    db.insert_job(&new_job("job-a", Some(ada.id)), Some(10))
        .await
        .unwrap();
    let mut running = finished("job-a", 0);
    running.status = "running".into();
    running.docpack = None;
    assert!(db.apply_job_update(&running).await.unwrap());
    assert!(!db.apply_job_update(&running).await.unwrap(), "nothing new");
    assert!(db
        .apply_job_update(&finished("job-a", 250_000))
        .await
        .unwrap());
    assert!(
        !db.apply_job_update(&finished("job-a", 250_000))
            .await
            .unwrap(),
        "ends once"
    );
    assert!(
        (db.month_cost(ada.id).await.unwrap() - 0.25).abs() < 1e-9,
        "cost counted once"
    );
    let job = db.job("job-a").await.unwrap().unwrap();
    assert_eq!(
        (job.status.as_str(), job.commit.as_deref(), job.duration_ms),
        ("succeeded", Some("c0ffee"), Some(1200))
    );
    assert!(db.active_job_ids(None, 10).await.unwrap().is_empty());

    let mine = db.docpacks_of(ada.id, None, 10).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].visibility, mine[0].owner.as_deref()),
        (Visibility::Private, Some("ada"))
    );
    // The listing carries its job's status and times.
    assert_eq!(
        (mine[0].job_status.as_deref(), mine[0].job_finished_at),
        (Some("succeeded"), Some(1))
    );
    assert!(db.public_docpacks(None, 10).await.unwrap().is_empty());
    // A job that partly succeeded lists its docpack as partial.
    db.insert_job(&new_job("job-p", Some(ada.id)), Some(10))
        .await
        .unwrap();
    let mut partial = finished("job-p", 0);
    partial.status = "partial".into();
    db.apply_job_update(&partial).await.unwrap();
    let listed = db.docpack("job-p").await.unwrap().unwrap();
    assert_eq!(listed.job_status.as_deref(), Some("partial"));
    assert!(
        db.set_visibility(bob.id, "job-a", Visibility::Public)
            .await
            .is_err(),
        "not bob's"
    );
    db.set_visibility(ada.id, "job-a", Visibility::Public)
        .await
        .unwrap();
    assert_eq!(db.public_docpacks(None, 10).await.unwrap().len(), 1);
    assert_eq!(
        db.job("job-a").await.unwrap().unwrap().visibility,
        Visibility::Public
    );

    let token = db.create_share(ada.id, "job-a", &keyring).await.unwrap();
    assert!(db.create_share(bob.id, "job-a", &keyring).await.is_err());
    assert_eq!(
        db.docpack_by_share(&token).await.unwrap().unwrap().job_id,
        "job-a"
    );
    assert_eq!(
        db.share_token(ada.id, "job-a", &keyring)
            .await
            .unwrap()
            .as_deref(),
        Some(token.as_str())
    );
    db.revoke_share(ada.id, "job-a").await.unwrap();
    assert!(
        db.docpack_by_share(&token).await.unwrap().is_none(),
        "revoked at once"
    );
    assert!(db
        .share_token(ada.id, "job-a", &keyring)
        .await
        .unwrap()
        .is_none());
}

async fn stripe_events_apply_once(db: Db) {
    let keyring = Keyring::ephemeral();
    let ada = db
        .upsert_github_user(&profile(1, "ada"), None, &keyring)
        .await
        .unwrap();
    let upgrade = PlanChange {
        subject: Subject::User(ada.id),
        created: 100,
        plan: Some(PlanName::Creator),
        status: "active".into(),
        customer: Some("cus_ada".into()),
        subscription: Some("sub_1".into()),
    };
    let applied = db
        .apply_stripe_event("evt_1", "checkout.session.completed", Some(&upgrade))
        .await
        .unwrap();
    assert_eq!(applied, WebhookOutcome::Applied { user_id: ada.id });
    let user = db.user(ada.id).await.unwrap().unwrap();
    assert_eq!(
        (user.plan, user.stripe_customer_id.as_deref()),
        (PlanName::Creator, Some("cus_ada"))
    );
    let cancel = PlanChange {
        subject: Subject::Customer("cus_ada".into()),
        created: 101,
        plan: Some(PlanName::Free),
        status: "canceled".into(),
        customer: None,
        subscription: None,
    };
    db.apply_stripe_event("evt_2", "customer.subscription.deleted", Some(&cancel))
        .await
        .unwrap();
    assert_eq!(db.user(ada.id).await.unwrap().unwrap().plan, PlanName::Free);
    // Replaying the upgrade changes nothing.
    let replay = db
        .apply_stripe_event("evt_1", "checkout.session.completed", Some(&upgrade))
        .await
        .unwrap();
    assert_eq!(replay, WebhookOutcome::Duplicate);
    assert_eq!(db.user(ada.id).await.unwrap().unwrap().plan, PlanName::Free);
    let nobody = PlanChange {
        subject: Subject::Customer("cus_x".into()),
        ..cancel.clone()
    };
    assert_eq!(
        db.apply_stripe_event("evt_3", "t", Some(&nobody))
            .await
            .unwrap(),
        WebhookOutcome::NotYetLinked
    );
    // Not recorded: delivered again, it is still news.
    assert_eq!(
        db.apply_stripe_event("evt_3", "t", Some(&nobody))
            .await
            .unwrap(),
        WebhookOutcome::NotYetLinked
    );
    // A late `updated(active)` made before the cancellation restores nothing.
    let late = PlanChange {
        created: 100,
        plan: Some(PlanName::Creator),
        status: "active".into(),
        subscription: Some("sub_1".into()),
        ..cancel.clone()
    };
    assert_eq!(
        db.apply_stripe_event("evt_4", "customer.subscription.updated", Some(&late))
            .await
            .unwrap(),
        WebhookOutcome::Stale
    );
    assert_eq!(db.user(ada.id).await.unwrap().unwrap().plan, PlanName::Free);
}

async fn injection_strings_are_data(db: Db) {
    let keyring = Keyring::ephemeral();
    for (i, nasty) in NASTY.iter().enumerate() {
        let nasty = nasty.replace('\u{0}', ""); // PostgreSQL text cannot hold NUL
        let mut p = profile(100 + i as i64, &nasty);
        p.name = Some(nasty.clone());
        let user = db
            .upsert_github_user(&p, Some(&nasty), &keyring)
            .await
            .unwrap();
        assert_eq!(user.login, nasty);
        let (key, _) = db
            .create_key(user.id, &nasty, &[Scope::Read])
            .await
            .unwrap();
        assert_eq!(key.name, nasty);
        let mut job = new_job(&format!("job-n{i}"), Some(user.id));
        job.source = nasty.clone();
        job.git_ref = Some(nasty.clone());
        job.client_ip = Some(nasty.clone());
        db.insert_job(&job, Some(10)).await.unwrap();
        let row = db.job(&job.id).await.unwrap().unwrap();
        assert_eq!(
            (row.source.as_str(), row.git_ref.as_deref()),
            (nasty.as_str(), Some(nasty.as_str()))
        );
        assert!(db.job(&nasty).await.unwrap().is_none());
        assert!(db.verify_key(&nasty).await.unwrap().is_none());
        assert!(db.docpack_by_share(&nasty).await.unwrap().is_none());
        assert!(db.take_oauth_state(&nasty).await.is_err());
        assert!(db
            .session(&nasty, Duration::from_secs(1), LIFETIME)
            .await
            .unwrap()
            .is_none());
        assert!(db.user_by_customer(&nasty).await.unwrap().is_none());
        assert!(db.jobs_of(user.id, Some(&nasty), 5).await.is_ok());
    }
    assert_eq!(
        db.tables().await.unwrap(),
        TABLES,
        "every table is still there"
    );
    let users: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&db.pool)
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(users, NASTY.len() as i64);
}

async fn rotating_the_key_reseals_every_secret(db: Db) {
    use base64::Engine;
    let key = |b: u8| base64::engine::general_purpose::STANDARD.encode([b; 32]);
    let old = Keyring::parse(&format!("k1:{}", key(1))).unwrap();
    let ada = db
        .upsert_github_user(&profile(1, "ada"), Some("gho_ada"), &old)
        .await
        .unwrap();
    db.insert_job(&new_job("job-r", Some(ada.id)), Some(10))
        .await
        .unwrap();
    db.apply_job_update(&finished("job-r", 0)).await.unwrap();
    let link = db.create_share(ada.id, "job-r", &old).await.unwrap();
    let rotated = Keyring::parse(&format!("k2:{},k1:{}", key(2), key(1))).unwrap();
    assert_eq!(db.reseal_tokens(&rotated).await.unwrap(), 1);
    assert_eq!(db.reseal_share_tokens(&rotated).await.unwrap(), 1);
    assert_eq!(
        db.reseal_tokens(&rotated).await.unwrap(),
        0,
        "nothing stale any more"
    );
    // The old key can be dropped now.
    let new_only = Keyring::parse(&format!("k2:{}", key(2))).unwrap();
    assert_eq!(
        db.github_token(ada.id, &new_only).await.unwrap().as_deref(),
        Some("gho_ada")
    );
    assert_eq!(
        db.share_token(ada.id, "job-r", &new_only).await.unwrap(),
        Some(link)
    );
}
