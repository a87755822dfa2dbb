//! Live events between instances: PostgreSQL LISTEN/NOTIFY through the store.

use std::time::Duration;

use hallway_store::events::{FeedItem, MAX_PAYLOAD};
use hallway_store::testing::TestDb;

#[tokio::test]
async fn sqlite_has_no_feed_and_notify_does_nothing() {
    let db = TestDb::sqlite();
    let store = db.store().await;
    assert!(!store.shares_events());
    assert!(store.listen().await.expect("listen").is_none());
    store.notify(&["x".to_owned()]).await.expect("no-op");
}

#[tokio::test]
async fn postgres_delivers_in_order_to_every_listener() {
    let Some(db) = TestDb::postgres("postgres_delivers_in_order_to_every_listener").await else {
        return;
    };
    // Two stores stand for two instances on one database.
    let a = db.store().await;
    let b = db.store().await;
    assert!(a.shares_events());
    let mut feed_a = a.listen().await.expect("listen").expect("a feed");
    let mut feed_b = b.listen().await.expect("listen").expect("a feed");
    let sent: Vec<String> = (0..50).map(|i| format!("{{\"n\":{i}}}")).collect();
    a.notify(&sent[..25]).await.expect("notify");
    a.notify(&sent[25..]).await.expect("notify");
    for feed in [&mut feed_a, &mut feed_b] {
        let mut got = Vec::new();
        while got.len() < sent.len() {
            let item = tokio::time::timeout(Duration::from_secs(10), feed.next())
                .await
                .expect("a message within 10 s")
                .expect("the feed");
            match item {
                FeedItem::Message(m) => got.push(m),
                FeedItem::Reconnected => panic!("no reconnection expected"),
            }
        }
        assert_eq!(got, sent, "every message, once, in order");
    }
}

#[tokio::test]
async fn oversized_payloads_are_refused_whole() {
    let Some(db) = TestDb::postgres("oversized_payloads_are_refused_whole").await else {
        return;
    };
    let store = db.store().await;
    let mut feed = store.listen().await.expect("listen").expect("a feed");
    let err = store
        .notify(&["small".to_owned(), "x".repeat(MAX_PAYLOAD + 1)])
        .await
        .expect_err("too big");
    assert!(err.to_string().contains("7900-byte limit"), "{err}");
    store.notify(&["after".to_owned()]).await.expect("notify");
    match feed.next().await.expect("feed") {
        FeedItem::Message(m) => assert_eq!(m, "after", "nothing of the refused batch"),
        FeedItem::Reconnected => panic!("no reconnection expected"),
    }
}
